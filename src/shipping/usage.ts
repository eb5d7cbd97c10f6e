/**
 * What a function does to the names it closes over, read from its syntax:
 * which it assigns, and which objects it changes (a property written or
 * deleted, a mutating method called). Shipping copies what a green thread
 * captures, so a change to a copy would be lost without a word; these are
 * the cases it refuses or sends back to the hub (./describe.ts).
 *
 * Runs on any thread.
 */
import type * as Acorn from 'acorn';

/** What a function does with one free name. */
export interface Use {
  /** The function assigns the name itself (`x = 1`, `x++`). */
  written: boolean;
  /** The function changes the object the name holds (`x.a = 1`, `x.push(1)`, `delete x.a`). */
  mutated: boolean;
  /** The function asks `typeof name`: it probes for a global that may not exist. */
  probed: boolean;
  /**
   * When the function only reads properties of it (`req.query.n`, never `req`
   * alone nor a method call on it): those property paths. A value that cannot
   * be copied whole can then be copied as just those properties.
   */
  paths?: string[][];
}

export const NO_USE: Use = Object.freeze({ written: false, mutated: false, probed: false });

interface Reference {
  identifier: Acorn.Identifier;
  isWrite(): boolean;
}

// Methods of Array, Map, Set, typed arrays and Date that change their object.
const MUTATORS = new Set([
  'push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin',
  'set', 'add', 'delete', 'clear',
  'setDate', 'setTime', 'setFullYear', 'setHours', 'setMinutes', 'setSeconds', 'setMonth',
]);

/**
 * For each free name of `fn` (the references in `through`, which leave it),
 * whether `fn` assigns it or changes the object it holds.
 */
export function usesOf(fn: Acorn.Node, through: readonly Reference[]): Map<string, Use> {
  const free = new Map<Acorn.Node, string>();
  const uses = new Map<string, Use>();
  for (const ref of through) {
    free.set(ref.identifier, ref.identifier.name);
    const use = uses.get(ref.identifier.name) ?? { written: false, mutated: false, probed: false };
    if (ref.isWrite()) use.written = true;
    uses.set(ref.identifier.name, use);
  }
  const changed = (target: Acorn.AnyNode | null | undefined) => {
    const name = target ? free.get(rootOf(target) as Acorn.Node) : undefined;
    if (name) uses.get(name)!.mutated = true;
  };
  const probes = new Set<Acorn.Node>();
  for (const node of walk(fn)) {
    switch (node.type) {
      case 'AssignmentExpression':
        if (node.left.type === 'MemberExpression') changed(node.left.object);
        break;
      case 'UpdateExpression':
        if (node.argument.type === 'MemberExpression') changed(node.argument.object);
        break;
      case 'UnaryExpression':
        if (node.operator === 'delete' && node.argument.type === 'MemberExpression') changed(node.argument.object);
        if (node.operator === 'typeof' && node.argument.type === 'Identifier') probes.add(node.argument);
        break;
      case 'CallExpression': {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') break;
        const method = callee.property.name;
        if (MUTATORS.has(method)) changed(callee.object);
        // Object.assign(x, ...), Object.defineProperty(x, ...), Reflect.set(x, ...)
        else if (callee.object.type === 'Identifier' && /^(Object|Reflect)$/.test(callee.object.name) && /^(assign|defineProperty|defineProperties|set|deleteProperty|setPrototypeOf)$/.test(method)) {
          const first = node.arguments[0];
          if (first && first.type !== 'SpreadElement') changed(first);
        }
        break;
      }
    }
  }
  for (const ref of through) if (probes.has(ref.identifier)) uses.get(ref.identifier.name)!.probed = true;
  const paths = new Map<string, string[][] | null>();
  visit(fn as Acorn.AnyNode, undefined, (id, chain) => {
    const name = free.get(id);
    if (!name) return;
    const known = paths.get(name);
    if (known === null) return;
    if (!chain) paths.set(name, null);
    else paths.set(name, [...(known ?? []), chain]);
  });
  for (const [name, list] of paths) if (list) uses.get(name)!.paths = list;
  return uses;
}

/**
 * Calls `found` for every identifier under `node` with the property path read
 * from it (`a.b.c` gives ['b', 'c']), or null when it is used otherwise: alone,
 * called as a method's object, or with a computed key.
 */
function visit(node: Acorn.AnyNode, parents: Acorn.AnyNode[] | undefined, found: (id: Acorn.Node, chain: string[] | null) => void): void {
  const stack = parents ?? [];
  if (node.type === 'Identifier') {
    const chain: string[] = [];
    let child: Acorn.AnyNode = node;
    for (let i = stack.length - 1; i >= 0; i--) {
      const parent = stack[i];
      if (parent.type !== 'MemberExpression' || parent.object !== child || parent.computed || parent.property.type !== 'Identifier') break;
      chain.push(parent.property.name);
      child = parent;
    }
    const above = stack[stack.length - 1 - chain.length];
    const called = above?.type === 'CallExpression' && above.callee === child;
    found(node, chain.length && !called ? chain : null);
    return;
  }
  stack.push(node);
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc' || value === null || typeof value !== 'object') continue;
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof child === 'object' && typeof (child as Acorn.Node).type === 'string') visit(child as Acorn.AnyNode, stack, found);
    }
  }
  stack.pop();
}

/** The identifier at the root of `a.b.c` (or of `a?.b`), if the chain starts with one. */
function rootOf(node: Acorn.AnyNode): Acorn.AnyNode | undefined {
  let n: Acorn.AnyNode = node;
  for (;;) {
    if (n.type === 'ChainExpression') n = n.expression;
    else if (n.type === 'MemberExpression') n = n.object;
    else if (n.type === 'ParenthesizedExpression') n = n.expression;
    else break;
  }
  return n.type === 'Identifier' ? n : undefined;
}

/** Every node under `root`, depth first. */
export function* walk(root: Acorn.Node): Generator<Acorn.AnyNode> {
  yield root as Acorn.AnyNode;
  for (const [key, value] of Object.entries(root)) {
    if (key === 'loc' || value === null || typeof value !== 'object') continue;
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof child === 'object' && typeof (child as Acorn.Node).type === 'string') yield* walk(child as Acorn.Node);
    }
  }
}
