/**
 * `useIntrospectionGuard`: introspection is for development and the host. Outside development, an operation
 * from a partner role (or an anonymous caller) that asks for `__schema` or `__type` is refused.
 */
import { visit, BREAK } from 'graphql';
import type { DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { forbidden } from '../errors.ts';
import type { Principal } from '../ports.ts';

/** Whether a document asks for schema introspection (`__typename` is fine). */
export function asksForIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function allowed(principal: Principal | null | undefined): boolean {
  return principal?.role === 'HOST_ADMIN' || principal?.role === 'PRIVACY_OFFICER';
}

/** The plugin; a no-op in development mode. */
export function useIntrospectionGuard(options: {
  devMode: boolean;
}): Plugin<{ principal?: Principal | null }> {
  if (options.devMode) return {};
  const refusal = { errors: [forbidden('introspection is disabled for this principal')] };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (asksForIntrospection(args.document) && !allowed(args.contextValue.principal)) {
        setResultAndStopExecution(refusal);
      }
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (asksForIntrospection(args.document) && !allowed(args.contextValue.principal)) {
        setResultAndStopExecution(refusal);
      }
    },
  };
}
