import { isCommandId } from '../../schemas/device-topics';
import { commandIdFor, messageIdFor, shadowRequestIdFor } from './derived-ids';

describe('ids derived from an execution id', () => {
  it('are the same for the same execution, and differ between executions and purposes', () => {
    const id = '5b0e6a1c-2f44-4c1e-9d3a-7e8f00c1d2b3';
    expect(commandIdFor(id)).toBe(commandIdFor(id));
    expect(commandIdFor(id)).not.toBe(commandIdFor('5b0e6a1c-2f44-4c1e-9d3a-7e8f00c1d2b4'));
    expect(shadowRequestIdFor(id)).not.toBe(commandIdFor(id));
  });

  it('make a command id the commands contract takes', () => {
    expect(isCommandId(commandIdFor('anything at all'))).toBe(true);
  });

  it('make a Message-ID that names the execution', () => {
    expect(messageIdFor('abc-1', 'example.com')).toBe('<abc-1.handler@example.com>');
    expect(messageIdFor('a b<c>', 'example.com')).toBe('<a_b_c_.handler@example.com>');
  });
});
