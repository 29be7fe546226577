import { mailboxEntry } from '../../schemas/redis-keys';
import { commandRequestFields, readMailbox } from './mailbox-items';

const id = '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23';
const entry = (payload: string, retain: boolean, createdAt: number, expiresAt: number | null = null) => mailboxEntry({ payload: Buffer.from(payload), retain, createdAt, expiresAt });

describe('reading a mailbox', () => {
  it('hands out retained entries and command requests, oldest first, and other entries once', () => {
    const fields = {
      config: entry('{"version":2}', true, 30),
      [`cmd/req/${id}/ping`]: entry('{"params":{}}', false, 10, 1000),
      'shadow/update/accepted': entry('{"version":5}', false, 20),
    };
    expect(readMailbox(fields, 500)).toEqual({
      items: [
        { subtopic: `cmd/req/${id}/ping`, payload: '{"params":{}}' },
        { subtopic: 'shadow/update/accepted', payload: '{"version":5}' },
        { subtopic: 'config', payload: '{"version":2}' },
      ],
      remove: ['shadow/update/accepted'],
    });
  });

  it('drops what expired and what it cannot read', () => {
    const fields = { [`cmd/req/${id}/ping`]: entry('{}', false, 10, 1000), 'shadow/update/delta': 'not json' };
    expect(readMailbox(fields, 1000)).toEqual({ items: [], remove: [`cmd/req/${id}/ping`, 'shadow/update/delta'] });
  });

  it("finds a command's request by its id alone", () => {
    expect(commandRequestFields([`cmd/req/${id}/ping`, 'config', `cmd/req/${id}x/ping`], id)).toEqual([`cmd/req/${id}/ping`]);
  });
});
