/**
 * What crosses from the sender (hub or carrier) to a carrier so that it can
 * rebuild a spawned function in its own isolate. Plain data: it goes through
 * structured clone.
 */

/** A function shipped as source plus everything it refers to. */
export interface ShippedFunction {
  kind: 'function';
  /** Stable content hash (sha1 of source, module URL and bindings); the receiver's cache key. */
  key: string;
  /** JS expression text evaluating to the function (method shorthand already turned into a function expression). */
  source: string;
  /**
   * Where `source` starts in its module (1-based line, 0-based column), when
   * its text is the module's own: the receiver places it there, so that stack
   * traces name the user's lines.
   */
  line?: number;
  column?: number;
  /** The file `line` and `column` refer to when it is not the module (its source map's original, for compiled code). */
  sourceUrl?: string;
  /** `fn.name`, for messages. */
  name: string;
  /** File URL of the defining module, or null when unknown (eval, REPL). */
  moduleUrl: string | null;
  /** The defining module is CommonJS. */
  cjs: boolean;
  /**
   * ESM imports the function uses. `imported` is 'default', '*' or an export name.
   * `specifier` is a resolved file URL, 'node:xxx', or a bare specifier the receiver resolves from `moduleUrl`.
   */
  imports: { local: string; specifier: string; imported: string }[];
  /**
   * CommonJS `require` bindings: `require(specifier)` then walk `path`; resolved from `moduleUrl`.
   * `interop`: the binding was `__toESM(require(specifier))` (esbuild's CommonJS output): the value
   * is an ES namespace view of the exports, with `default` being `module.exports`.
   */
  requires: { local: string; specifier: string; path: string[]; interop?: true }[];
  /**
   * Top-level functions, classes, const function expressions and consts
   * computed again that the function uses, in module order; `needs`: the
   * other declarations and captured names each one uses.
   */
  declarations: { name: string; source: string; line?: number; column?: number; needs?: string[] }[];
  /** Top-level consts bound to primitive literals. */
  constants: { name: string; value: string | number | boolean | null | undefined | bigint }[];
  /**
   * Names whose values are read from the function's closure at each call and
   * sent with it, as the call's first argument (an array in this order).
   * `outer`: a top-level name of the module, looked up from the outermost
   * scope (an enclosing function may shadow it); `global`: a script's own
   * global (node -e, the REPL), read from the global object; `paths`: the
   * function only reads these properties of it, so a value that cannot be
   * copied whole is copied as just those. Empty for most functions.
   */
  captures: { name: string; outer: boolean; global?: true; paths?: string[][] }[];
  /** The receiver must provide `require`, `__filename` and `__dirname` of the defining CommonJS module. */
  cjsLocals: boolean;
}

/** A module whose default export is the function to run. */
export interface ShippedModule {
  kind: 'module';
  /** `'module:' + url`. */
  key: string;
  /** File URL of the module. */
  url: string;
  exportName: 'default';
}

/** Anything `spawn` can ship. */
export type Shipped = ShippedFunction | ShippedModule;
