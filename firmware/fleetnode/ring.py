"""
The offline buffer: a bounded ring of records in one flash file. When it is
full the oldest record is dropped and counted. Records come out oldest first.

File layout: a header (magic, format, slot size, capacity, head, count,
dropped) and `capacity` slots of `slot_bytes`, each a 2-byte length and the
record. A record's slot is written before the header that counts it, so a
reset in between loses that record and corrupts nothing.
"""
import struct

from .atomic_file import exists

MAGIC = b'FRNG'
FORMAT = 1
HEADER = '>4sHHIIII'
HEADER_SIZE = struct.calcsize(HEADER)


class FlashRing:
    def __init__(self, path, capacity, slot_bytes=256):
        if capacity < 1:
            raise ValueError('buffer.slots must be at least 1')
        if slot_bytes < 16 or slot_bytes > 0xFFFF:
            raise ValueError('buffer.slot_bytes must be between 16 and 65535')
        self.path = path
        self.capacity = capacity
        self.slot_bytes = slot_bytes
        self.head = 0
        self.count = 0
        self.dropped = 0
        self._file = None
        self._open()

    @property
    def record_limit(self):
        return self.slot_bytes - 2

    def __len__(self):
        return self.count

    def append(self, record):
        """Keeps `record` (bytes); drops the oldest when full. ValueError when it does not fit a slot."""
        record = bytes(record)
        if len(record) > self.record_limit:
            raise ValueError('a record of %d bytes does not fit a slot of %d' % (len(record), self.slot_bytes))
        if self.count == self.capacity:
            self.head = (self.head + 1) % self.capacity
            self.count -= 1
            self.dropped += 1
            self._write_header()
        self._write_slot((self.head + self.count) % self.capacity, record)
        self.count += 1
        self._write_header()

    def peek(self):
        """The oldest record, or None when empty."""
        if not self.count:
            return None
        return self._read_slot(self.head)

    def pop(self):
        """Forgets the oldest record (once it was delivered)."""
        if not self.count:
            return
        self.head = (self.head + 1) % self.capacity
        self.count -= 1
        self._write_header()

    def records(self):
        """Every record, oldest first."""
        return [self._read_slot((self.head + i) % self.capacity) for i in range(self.count)]

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    # --- file

    def _open(self):
        kept = []
        dropped = 0
        if exists(self.path):
            with open(self.path, 'rb') as f:
                header = f.read(HEADER_SIZE)
            if len(header) == HEADER_SIZE:
                magic, fmt, slot_bytes, capacity, head, count, dropped = struct.unpack(HEADER, header)
                if magic == MAGIC and fmt == FORMAT and slot_bytes == self.slot_bytes and capacity == self.capacity and head < capacity and count <= capacity:
                    self._file = open(self.path, 'r+b')
                    self.head, self.count, self.dropped = head, count, dropped
                    return
                if magic == MAGIC and fmt == FORMAT and head < capacity and count <= capacity:
                    kept = self._salvage(slot_bytes, capacity, head, count)
        self._create(dropped)
        for record in kept:
            if len(record) <= self.record_limit:
                self.append(record)
            else:
                self.dropped += 1
        self._write_header()

    def _salvage(self, slot_bytes, capacity, head, count):
        """The records of a ring of another geometry (the settings changed)."""
        out = []
        with open(self.path, 'rb') as f:
            for i in range(count):
                f.seek(HEADER_SIZE + ((head + i) % capacity) * slot_bytes)
                length = struct.unpack('>H', f.read(2))[0]
                out.append(f.read(min(length, slot_bytes - 2)))
        return out

    def _create(self, dropped):
        with open(self.path, 'wb') as f:
            f.write(struct.pack(HEADER, MAGIC, FORMAT, self.slot_bytes, self.capacity, 0, 0, dropped))
            blank = bytes(self.slot_bytes)
            for _ in range(self.capacity):
                f.write(blank)
        self._file = open(self.path, 'r+b')
        self.head, self.count, self.dropped = 0, 0, dropped

    def _write_header(self):
        self._file.seek(0)
        self._file.write(struct.pack(HEADER, MAGIC, FORMAT, self.slot_bytes, self.capacity, self.head, self.count, self.dropped))
        self._file.flush()

    def _write_slot(self, index, record):
        self._file.seek(HEADER_SIZE + index * self.slot_bytes)
        self._file.write(struct.pack('>H', len(record)) + record)
        self._file.flush()

    def _read_slot(self, index):
        self._file.seek(HEADER_SIZE + index * self.slot_bytes)
        length = struct.unpack('>H', self._file.read(2))[0]
        if length > self.record_limit:
            return b''
        return self._file.read(length)
