/**
 * Ids are short. An `ID` argument (or an `ID` inside a list or an input object) longer than
 * {@link MAX_ID_LENGTH} is refused as BAD_USER_INPUT naming the argument, before the resolver runs and so
 * before any decision is taken or audited. Without it a 100,000-character `segmentId` reached the decision
 * and the audit entry, which the audit log refuses (it caps `resource` and each reason), so the request
 * failed closed as INTERNAL_SERVER_ERROR and counted as an audit outage.
 */
import type { GraphQLArgument, GraphQLInputObjectType, GraphQLInputType } from 'graphql';
import { badUserInput } from '../errors.ts';

/** The longest id any argument may carry (contract, segment, campaign and upload ids are far shorter). */
export const MAX_ID_LENGTH = 256;

/**
 * The kind of a type, read from its `Symbol.toStringTag`: the schema's types may come from another copy of
 * graphql than this module would import (yoga's and vitest's module graphs), so `isListType` and its kin,
 * which check `instanceof`, would throw "from another module or realm".
 */
function kindOf(type: GraphQLInputType): string {
  return (type as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag];
}

/** The path of the first over-long id in `value` (read as `type`), or null. */
function overlongIdIn(type: GraphQLInputType, value: unknown, path: string): string | null {
  if (value === null || value === undefined) return null;
  switch (kindOf(type)) {
    case 'GraphQLNonNull':
      return overlongIdIn((type as { ofType: GraphQLInputType }).ofType, value, path);
    case 'GraphQLList': {
      const itemType = (type as { ofType: GraphQLInputType }).ofType;
      const items: unknown[] = Array.isArray(value) ? value : [value];
      for (const item of items) {
        const found = overlongIdIn(itemType, item, path);
        if (found !== null) return found;
      }
      return null;
    }
    case 'GraphQLInputObjectType': {
      for (const field of Object.values((type as GraphQLInputObjectType).getFields())) {
        const fieldValue = (value as Record<string, unknown>)[field.name];
        const found = overlongIdIn(field.type, fieldValue, `${path}.${field.name}`);
        if (found !== null) return found;
      }
      return null;
    }
    case 'GraphQLScalarType':
      return (type as { name: string }).name === 'ID' &&
        typeof value === 'string' &&
        value.length > MAX_ID_LENGTH
        ? path
        : null;
    default:
      return null;
  }
}

/**
 * Refuse arguments that carry an id longer than {@link MAX_ID_LENGTH}.
 *
 * @throws GraphQLError BAD_USER_INPUT with `extensions.field` (the argument, e.g. `segmentId`) and
 *   `extensions.reason` `ID_TOO_LONG`.
 * @example
 * refuseOverlongIds(info.parentType.getFields()[info.fieldName]?.args ?? [], args);
 */
export function refuseOverlongIds(
  definitions: readonly GraphQLArgument[],
  args: Readonly<Record<string, unknown>>,
): void {
  for (const definition of definitions) {
    const field = overlongIdIn(definition.type, args[definition.name], definition.name);
    if (field !== null) {
      throw badUserInput(`${field}: an id may be at most ${MAX_ID_LENGTH} characters long`, {
        field,
        reason: 'ID_TOO_LONG',
      });
    }
  }
}
