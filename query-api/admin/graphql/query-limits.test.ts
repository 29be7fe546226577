import { buildSchema, getIntrospectionQuery, parse, validate, specifiedRules, type OperationDefinitionNode } from 'graphql';
import { measureOperation, queryLimitsRule } from './query-limits';

const schema = buildSchema(`
  type Query { devices(limit: Int = 100): [Device!]! device(name: String!): Device tenants: [Tenant!]! count: Int! }
  type Tenant { name: String! sites: [Site!]! }
  type Site { name: String! devices(limit: Int = 100): [Device!]! }
  type Device { name: String! tags: [String!]! labels: [Label!]! parent: Device children: [Device!]! }
  type Label { key: String! }
`);
const sizes = { listSize: 10, maxLimit: 1000, embeddedTypes: new Set(['Label']) };

function measure(query: string) {
  const document = parse(query);
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === 'FragmentDefinition' ? [[d.name.value, d] as const] : [])));
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  return measureOperation(schema, operation, (name) => fragments.get(name), sizes);
}

function refusals(query: string, limits = { maxDepth: 4, maxCost: 500 }) {
  return validate(schema, parse(query), [...specifiedRules, queryLimitsRule(limits, sizes)]).map((error) => error.extensions.code ?? error.message);
}

describe('GraphQL query depth and cost', () => {
  it('count one per object, a list as its limit (written, default, or the largest for a variable) or 10, scalars as nothing', () => {
    expect(measure('{ count }')).toEqual({ depth: 1, cost: 0 });
    expect(measure('{ device(name: "a") { name tags } }')).toEqual({ depth: 2, cost: 1 });
    expect(measure('{ devices { name } }')).toEqual({ depth: 2, cost: 100 });
    expect(measure('{ devices(limit: 5) { name parent { name } } }')).toEqual({ depth: 3, cost: 5 * (1 + 1) });
    // embedded objects come with the device's row
    expect(measure('{ devices(limit: 5) { labels { key } } }')).toEqual({ depth: 3, cost: 5 });
    expect(measure('query ($n: Int) { devices(limit: $n) { name } }')).toEqual({ depth: 2, cost: 1000 });
    expect(measure('{ tenants { sites { devices(limit: 2) { children { name } } } } }')).toEqual({ depth: 5, cost: 10 * (1 + 10 * (1 + 2 * (1 + 10))) });
  });

  it('follow fragments and inline fragments, which hide nothing', () => {
    const plain = measure('{ devices(limit: 3) { parent { parent { name } } } }');
    expect(measure('{ devices(limit: 3) { ...P } } fragment P on Device { parent { ...Q } } fragment Q on Device { parent { name } }')).toEqual(plain);
    expect(measure('{ devices(limit: 3) { ... on Device { parent { parent { name } } } } }')).toEqual(plain);
  });

  it('leave out introspection, so a client can read the schema', () => {
    expect(measure(getIntrospectionQuery())).toEqual({ depth: 0, cost: 0 });
    expect(refusals(getIntrospectionQuery())).toEqual([]);
  });

  it('refuse an operation over either limit with its code, and nothing within them', () => {
    expect(refusals('{ devices(limit: 5) { parent { name } } }')).toEqual([]);
    expect(refusals('{ device(name: "a") { parent { parent { parent { name } } } } }')).toEqual(['QUERY_TOO_DEEP']);
    expect(refusals('{ device(name: "a") { ...F } } fragment F on Device { parent { parent { parent { name } } } }')).toEqual(['QUERY_TOO_DEEP']);
    expect(refusals('{ devices(limit: 300) { parent { name } } }')).toEqual(['QUERY_TOO_COSTLY']);
    expect(refusals('{ tenants { sites { devices(limit: 50) { parent { name } } } } }')).toEqual(['QUERY_TOO_DEEP', 'QUERY_TOO_COSTLY']);
  });

  it('survive a fragment cycle, which the specification rules report', () => {
    expect(refusals('{ devices { ...A } } fragment A on Device { parent { ...A } }')).toEqual([expect.stringMatching(/Cannot spread fragment "A" within itself/)]);
  });
});
