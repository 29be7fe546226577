from fleetnode.ring import FlashRing
from support import ScratchDir, eq, raises


def test_records_come_out_oldest_first_and_survive_a_reopen():
    with ScratchDir() as d:
        ring = FlashRing(d.path('r'), 4, 32)
        for i in range(3):
            ring.append(b'record-%d' % i)
        eq(ring.peek(), b'record-0')
        ring.pop()
        ring.close()
        again = FlashRing(d.path('r'), 4, 32)
        eq(again.records(), [b'record-1', b'record-2'])
        eq(len(again), 2)


def test_a_full_ring_drops_the_oldest_and_counts_it_across_reopens():
    with ScratchDir() as d:
        ring = FlashRing(d.path('r'), 3, 32)
        for i in range(7):
            ring.append(b'%d' % i)
        eq(ring.records(), [b'4', b'5', b'6'])
        eq(ring.dropped, 4)
        ring.close()
        again = FlashRing(d.path('r'), 3, 32)
        eq((again.dropped, again.records()), (4, [b'4', b'5', b'6']))
        again.pop()
        again.pop()
        again.pop()
        eq((len(again), again.peek()), (0, None))
        again.pop()
        eq(len(again), 0)


def test_the_file_size_is_fixed_by_its_capacity():
    import os
    with ScratchDir() as d:
        ring = FlashRing(d.path('r'), 10, 64)
        size = os.stat(d.path('r'))[6]
        for i in range(50):
            ring.append(bytes(60))
        eq(os.stat(d.path('r'))[6], size)


def test_a_record_larger_than_a_slot_is_refused():
    with ScratchDir() as d:
        ring = FlashRing(d.path('r'), 2, 16)
        raises(ValueError, ring.append, bytes(15))
        ring.append(bytes(14))
        eq(len(ring), 1)


def test_new_geometry_keeps_the_newest_records_that_fit():
    with ScratchDir() as d:
        ring = FlashRing(d.path('r'), 5, 32)
        for i in range(5):
            ring.append(b'r%d' % i)
        ring.close()
        smaller = FlashRing(d.path('r'), 3, 48)
        eq(smaller.records(), [b'r2', b'r3', b'r4'])
        eq(smaller.dropped, 2)


def test_a_damaged_file_starts_an_empty_ring():
    with ScratchDir() as d:
        with open(d.path('r'), 'wb') as f:
            f.write(b'not a ring')
        ring = FlashRing(d.path('r'), 3, 32)
        eq((len(ring), ring.dropped), (0, 0))
        ring.append(b'x')
        eq(ring.records(), [b'x'])
