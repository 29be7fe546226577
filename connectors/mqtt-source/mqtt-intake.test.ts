import { Duplex, PassThrough } from 'node:stream';
import { MqttClient, type IClientOptions } from 'mqtt';
import { generate, parser, type Packet } from 'mqtt-packet';
import pino from 'pino';
import { eventually } from '../../test/factories';
import { MqttIntake } from './mqtt-intake';

const v5 = { protocolVersion: 5 };

/** The broker's end of one in-memory connection: accepts the session and subscriptions, publishes QoS 1 messages, records PUBACKs. */
class FakeBrokerConnection {
  readonly pubacks: number[] = [];
  readonly subscriptions: string[] = [];
  readonly clientSide: Duplex;
  closed = false;
  private readonly toClient = new PassThrough();

  constructor(private readonly sessionPresent = false) {
    const toBroker = new PassThrough();
    this.clientSide = Duplex.from({ readable: this.toClient, writable: toBroker });
    this.clientSide.once('close', () => (this.closed = true));
    const packets = parser(v5);
    packets.on('packet', (packet: Packet) => this.answer(packet));
    toBroker.on('data', (chunk: Buffer) => packets.parse(chunk));
  }

  publish(messageId: number): void {
    this.send({ cmd: 'publish', topic: 'fleet/acme/site-1/meter-1/up', payload: Buffer.from(String(messageId)), qos: 1, messageId, retain: false, dup: false });
  }

  private answer(packet: Packet): void {
    if (packet.cmd === 'connect') this.send({ cmd: 'connack', sessionPresent: this.sessionPresent, reasonCode: 0 });
    if (packet.cmd === 'subscribe') this.subscriptions.push(...packet.subscriptions.map((s) => s.topic));
    if (packet.cmd === 'subscribe') this.send({ cmd: 'suback', messageId: packet.messageId!, granted: packet.subscriptions.map((s) => s.qos) });
    if (packet.cmd === 'puback') this.pubacks.push(packet.messageId!);
  }

  private send(packet: Packet): void {
    this.toClient.write(generate(packet, v5));
  }
}

type SendPacket = (packet: { cmd: string }, ...rest: unknown[]) => void;

/** One intake connection over in-memory streams; each message's handling settles when the test says (by message id, its payload). */
function startIntake(patchClient: (client: MqttClient) => void = () => undefined, sessionPresent = false) {
  const connections: FakeBrokerConnection[] = [];
  const handling = new Map<number, { resolve(): void; reject(error: Error): void }>();
  const intake = new MqttIntake({
    url: 'mqtt://in-memory',
    security: {},
    subscriptions: ['$share/test/fleet/+/+/+/up'],
    clientIdPrefix: 'intake-test',
    connections: 1,
    inFlightPerConnection: 10,
    sessionExpirySeconds: 60,
    logger: pino({ level: 'silent' }),
    onMessage: (_topic, payload) => new Promise<void>((resolve, reject) => handling.set(Number(payload.toString()), { resolve, reject })),
    onConnectionChange: () => undefined,
    onBrokerReceived: () => undefined,
    createClient: (options: IClientOptions) => {
      const client = new MqttClient(() => {
        const connection = new FakeBrokerConnection(sessionPresent);
        connections.push(connection);
        return connection.clientSide as unknown as ReturnType<ConstructorParameters<typeof MqttClient>[0]>;
      }, options);
      patchClient(client);
      return client;
    },
  });
  stops.push(() => intake.stop());
  /** Publishes on the newest connection, and waits until the intake handed each message over. */
  const handOver = async (...ids: number[]): Promise<FakeBrokerConnection> => {
    const broker = connections.at(-1)!;
    for (const id of ids) broker.publish(id);
    await eventually(() => (ids.every((id) => handling.has(id)) ? true : undefined), `messages ${ids.join(', ')} handed over`);
    return broker;
  };
  const connected = () => eventually(() => (intake.connected === 1 ? true : undefined), 'the intake to connect');
  return { intake, connections, handling, connected, handOver };
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** Lets every write already under way reach the fake broker: the check that a PUBACK was held has no event to await. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('MqttIntake subscriptions', () => {
  it('subscribes even when the broker kept the session: a kept session need not hold the subscription', async () => {
    const { intake, connections, connected } = startIntake(undefined, true);
    intake.start();
    await connected();
    await eventually(() => (connections[0]!.subscriptions.includes('$share/test/fleet/+/+/+/up') ? true : undefined), 'the subscription');
  });
});

describe('MqttIntake PUBACKs', () => {
  it('holds each PUBACK until its message is handled, and sends them in the order the messages came', async () => {
    const { intake, handling, connected, handOver } = startIntake();
    intake.start();
    await connected();
    // all three reach the handler while none is acknowledged: mqtt.js reads on past a held PUBACK
    const broker = await handOver(1, 2, 3);
    handling.get(3)!.resolve();
    handling.get(2)!.resolve();
    await settle();
    expect(broker.pubacks).toEqual([]);
    handling.get(1)!.resolve();
    await eventually(() => (broker.pubacks.length === 3 ? true : undefined), 'three PUBACKs');
    expect(broker.pubacks).toEqual([1, 2, 3]);
  });

  it('never acknowledges a message that was not handled, and still acknowledges the ones after it', async () => {
    const { intake, handling, connected, handOver } = startIntake();
    intake.start();
    await connected();
    const broker = await handOver(1, 2);
    handling.get(1)!.reject(new Error('stopping'));
    handling.get(2)!.resolve();
    await eventually(() => (broker.pubacks.length > 0 ? true : undefined), 'a PUBACK');
    await settle();
    expect(broker.pubacks).toEqual([2]);
  });

  it('tears the connection down when a held PUBACK cannot be written, and acknowledges again on the next connection', async () => {
    let failNextPuback = true;
    const { intake, connections, handling, connected, handOver } = startIntake((client) => {
      const target = client as unknown as { _sendPacket: SendPacket };
      const send = target._sendPacket.bind(client);
      target._sendPacket = (packet, ...rest) => {
        if (packet.cmd === 'puback' && failNextPuback) {
          failNextPuback = false;
          throw new Error('write failed');
        }
        send(packet, ...rest);
      };
    });
    intake.start();
    await connected();
    const first = await handOver(1, 2);
    handling.get(1)!.resolve();
    handling.get(2)!.resolve();
    await eventually(() => (first.closed ? true : undefined), 'the connection torn down');
    // 2 is not acknowledged past the gap 1 left; the broker redelivers both
    expect(first.pubacks).toEqual([]);

    await eventually(() => (connections.length === 2 && intake.connected === 1 ? true : undefined), 'the intake to reconnect');
    const second = await handOver(3);
    handling.get(3)!.resolve();
    await eventually(() => (second.pubacks.length > 0 ? true : undefined), 'a PUBACK on the new connection');
    expect(second.pubacks).toEqual([3]);
  });

  it('reads no further while inFlightPerConnection messages are un-acknowledged, even from a broker that sends past its receive maximum', async () => {
    const { intake, connections, handling, connected } = startIntake();
    intake.start();
    await connected();
    const broker = connections[0]!;
    // Mosquitto 2.0.11 sends past the receive maximum once PUBACKs flow (eclipse/mosquitto#2301); this fake always does
    for (let id = 1; id <= 25; id++) broker.publish(id);
    await eventually(() => (handling.size === 10 ? true : undefined), 'the first ten handed over');
    await settle();
    expect(handling.size).toBe(10);
    handling.get(1)!.resolve();
    await eventually(() => (handling.size === 11 ? true : undefined), 'one more once one is acknowledged');
    await settle();
    expect(handling.size).toBe(11);
    for (let id = 2; id <= 25; id++) {
      await eventually(() => handling.get(id), `message ${id} handed over`);
      handling.get(id)!.resolve();
    }
    await eventually(() => (broker.pubacks.length === 25 ? true : undefined), 'every PUBACK');
    expect(broker.pubacks).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('refuses to start, before connecting, on an mqtt.js whose client has no _sendPacket to wrap', () => {
    const prototype = MqttClient.prototype as unknown as { _sendPacket: unknown };
    const sendPacket = prototype._sendPacket;
    const { intake, connections } = startIntake();
    try {
      delete prototype._sendPacket;
      expect(() => intake.start()).toThrow(expect.objectContaining({ code: 'DEPENDENCY_INCOMPATIBLE' }));
      expect(connections).toHaveLength(0);
    } finally {
      prototype._sendPacket = sendPacket;
    }
  });
});
