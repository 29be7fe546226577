/**
 * The depth and cost of a GraphQL operation, worked out before it runs, and
 * the validation rule that refuses one over its limits.
 *
 * Depth is the deepest nesting of fields (`{ devices { name } }` is 2). Cost
 * is how many objects the answer can hold at most: every field of an object
 * type counts 1 per object it yields, times what its selection costs inside;
 * a list yields its `limit` argument's value (written literally, else the
 * argument's default, else the largest `limit` allowed when it comes from a
 * variable), and `listSize` objects when it takes no `limit`. Scalars cost
 * nothing: they come with their object; so do the objects of embedded types
 * (a device's tags and location are columns of its row). Fragments are followed (mercurius's
 * own `queryDepth` does not follow them, so a fragment hides its depth from
 * it); introspection fields (`__schema`, `__type`) are not counted, so tools
 * can read the schema. Pure.
 */
import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromAST,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
}

export interface CostModel {
  /** objects a list without a `limit` argument is assumed to hold */
  listSize: number;
  /** what a `limit` given by a variable is assumed to be */
  maxLimit: number;
  /** types whose objects come with their parent's (a device's tags): they cost nothing themselves */
  embeddedTypes: ReadonlySet<string>;
}

export interface OperationMeasure {
  depth: number;
  cost: number;
}

type Fragments = (name: string) => FragmentDefinitionNode | undefined;

function fieldOf(type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
}

/** How many items a list field yields: its limit, as written or by default. */
function listLength(field: GraphQLField<unknown, unknown>, node: FieldNode, sizes: CostModel): number {
  const limit = field.args.find((arg) => arg.name === 'limit');
  if (!limit) return sizes.listSize;
  const written = node.arguments?.find((arg) => arg.name.value === 'limit');
  if (!written) return typeof limit.defaultValue === 'number' ? limit.defaultValue : sizes.listSize;
  if (written.value.kind === Kind.VARIABLE) return sizes.maxLimit;
  const value: unknown = valueFromAST(written.value, limit.type);
  return typeof value === 'number' ? Math.max(0, value) : sizes.maxLimit;
}

function measureSelections(schema: GraphQLSchema, type: GraphQLCompositeType, selections: SelectionSetNode, fragments: Fragments, sizes: CostModel, seen: ReadonlySet<string>): OperationMeasure {
  let depth = 0;
  let cost = 0;
  const add = (inner: OperationMeasure, extraDepth: number): void => {
    depth = Math.max(depth, inner.depth + extraDepth);
    cost += inner.cost;
  };
  for (const selection of selections.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      const field = fieldOf(type, selection.name.value);
      // unknown fields are the specification's rules to report
      if (!field) continue;
      const named = getNamedType(field.type);
      if (!selection.selectionSet || !isCompositeType(named)) {
        add({ depth: 0, cost: 0 }, 1);
        continue;
      }
      const inner = measureSelections(schema, named, selection.selectionSet, fragments, sizes, seen);
      const count = isListType(getNullableType(field.type)) ? listLength(field, selection, sizes) : 1;
      add({ depth: inner.depth, cost: count * ((sizes.embeddedTypes.has(named.name) ? 0 : 1) + inner.cost) }, 1);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
      if (condition && isCompositeType(condition)) add(measureSelections(schema, condition, selection.selectionSet, fragments, sizes, seen), 0);
    } else {
      const name = selection.name.value;
      const fragment = fragments(name);
      // a fragment spreading itself is the specification's NoFragmentCycles to report
      if (!fragment || seen.has(name)) continue;
      const condition = schema.getType(fragment.typeCondition.name.value);
      if (condition && isCompositeType(condition)) add(measureSelections(schema, condition, fragment.selectionSet, fragments, sizes, new Set([...seen, name])), 0);
    }
  }
  return { depth, cost };
}

/** The depth and cost of one operation of a validated-so-far document. */
export function measureOperation(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Fragments, sizes: CostModel): OperationMeasure {
  const root = schema.getRootType(operation.operation);
  return root ? measureSelections(schema, root, operation.selectionSet, fragments, sizes, new Set()) : { depth: 0, cost: 0 };
}

/** A validation rule refusing every operation deeper or costlier than `limits`, before anything runs. */
export function queryLimitsRule(limits: QueryLimits, sizes: CostModel): (context: ValidationContext) => ASTVisitor {
  return (context) => ({
    OperationDefinition(operation) {
      const { depth, cost } = measureOperation(context.getSchema(), operation, (name) => context.getFragment(name) ?? undefined, sizes);
      const name = operation.name ? `operation ${operation.name.value}` : 'the operation';
      if (depth > limits.maxDepth) {
        context.reportError(
          new GraphQLError(`${name} is ${depth} fields deep, more than the ${limits.maxDepth} allowed (QUERY_API_GRAPHQL_MAX_DEPTH); ask for less nesting`, {
            nodes: [operation],
            extensions: { code: 'QUERY_TOO_DEEP', depth, maxDepth: limits.maxDepth },
          }),
        );
      }
      if (cost > limits.maxCost) {
        context.reportError(
          new GraphQLError(`${name} may ask for ${cost} objects, more than the ${limits.maxCost} allowed (QUERY_API_GRAPHQL_MAX_COST); give lists a smaller limit or select fewer nested lists`, {
            nodes: [operation],
            extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost: limits.maxCost },
          }),
        );
      }
    },
  });
}
