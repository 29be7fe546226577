import { parsePolicyDocument, policyDefinitionId, PolicyDocumentError } from './notification-policy';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const problemsOf = (text: string): string[] => {
  try {
    parsePolicyDocument(text, 'acme.yaml');
    return [];
  } catch (error) {
    return (error as PolicyDocumentError).problems;
  }
};

describe('notification policy documents', () => {
  it('read a tenant policy into one stored definition', () => {
    const document = parsePolicyDocument(
      `tenant: acme
route: { receiver: ops, groupBy: [site], groupWait: 1s }
receivers:
  - name: ops
    actions: [{ handler: webhook, target: { url: 'https://ops.example.com/hook', secret: ${secret} } }]
inhibitRules:
  - { sourceMatchers: [severity=critical], targetMatchers: [severity=warning], equal: [site] }
`,
      'acme.yaml',
    );
    expect([document.tenant, [...document.definitions.keys()]]).toEqual(['acme', [policyDefinitionId]]);
  });

  it('name every problem: an unknown receiver, a bad matcher, a duration, a handler target, matchers on the root', () => {
    const problems = problemsOf(`tenant: acme
route:
  receiver: ops
  matchers: [site=plant1]
  routes:
    - { matchers: ['severity~critical'], receiver: pager }
    - { matchers: [site=plant2], receiver: nobody, groupWait: soon }
receivers:
  - { name: ops, actions: [{ handler: webhook, target: { url: 'https://ops.example.com/hook' } }] }
`);
    expect(problems.join('\n')).toMatch(/is no matcher/);
    expect(problems.join('\n')).toMatch(/groupWait: "soon" is not a duration/);
    const again = problemsOf(`tenant: acme
route: { receiver: ops, matchers: [site=plant1], routes: [{ receiver: nobody }] }
receivers:
  - { name: ops, actions: [{ handler: webhook, target: { url: 'https://ops.example.com/hook' } }] }
`);
    expect(again).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^route.matchers: the root route takes every alert/),
        expect.stringMatching(/^receivers.0.actions.0: webhook target/),
        expect.stringMatching(/^route.routes.0.receiver: no receiver nobody/),
      ]),
    );
  });

  it('refuse `...` with other labels', () => {
    expect(problemsOf(`tenant: acme
route: { receiver: ops, groupBy: ['...', site] }
receivers: [{ name: ops }]
`)).toEqual([expect.stringMatching(/stands alone/)]);
  });
});
