/**
 * The shapes shipping works with: the part of eslint-scope's analysis it
 * uses (the package ships no types), and a module as it was read.
 *
 * Types only; used on any thread.
 */
import type * as Acorn from 'acorn';

export interface ScopeManager {
  scopes: Scope[];
  globalScope: Scope;
  acquire(node: Acorn.Node): Scope | null;
}
export interface Scope {
  type: string;
  /** The nearest function (or module, or global) scope: where `var`s of this scope live. */
  variableScope: Scope;
  block: Acorn.AnyNode;
  set: Map<string, Variable>;
  through: Reference[];
  childScopes: Scope[];
}
export interface Variable {
  name: string;
  scope: Scope;
  defs: Definition[];
  references: Reference[];
}
export interface Definition {
  type: string;
  name: Acorn.Identifier;
  node: Acorn.AnyNode;
  parent: Acorn.AnyNode | null;
}
export interface Reference {
  identifier: Acorn.Identifier;
  resolved: Variable | null;
  /** The write of a declaration's initializer. */
  init?: boolean;
  /** The scope the reference is made in. */
  from: Scope;
  isWrite(): boolean;
}


/** A module read and analysed to ship functions of it. */
export interface ModuleInfo {
  file: string;
  url: string;
  /** The path as messages show it. */
  display: string;
  /** The text that was parsed (types stripped for TypeScript). */
  text: string;
  /** `text` is V8's source after a loader's transform: lines map back through the source map. */
  compiled?: boolean;
  cjs: boolean;
  sm: ScopeManager;
  /** Module scope, or the CommonJS wrapper's function scope. */
  top: Scope;
  /** Offsets where each line starts, made when first needed. */
  lineStarts?: number[];
}
