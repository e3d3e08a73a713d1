/** Abstract syntax of RFC 7644 §3.4.2.2 filters (Figure 1) and of PATCH paths (§3.5.2). */

/** An attribute path as written: `[URI ":"] ATTRNAME ["." subAttr]`, case as the client sent it. */
export interface AttrPath {
  uri?: string;
  attribute: string;
  subAttribute?: string;
}

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';

/** compValue = false / null / true / number / string (JSON literals). */
export type FilterValue = string | number | boolean | null;

export type Filter =
  | { kind: 'compare'; path: AttrPath; op: CompareOp; value: FilterValue }
  | { kind: 'present'; path: AttrPath }
  | { kind: 'and'; left: Filter; right: Filter }
  | { kind: 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  /** attrPath "[" valFilter "]": paths inside `filter` are relative to `path` (sub-attributes of it). */
  | { kind: 'valuePath'; path: AttrPath; filter: Filter };

/** PATH = attrPath / valuePath [subAttr] (RFC 7644 §3.5.2). */
export interface PatchPath {
  path: AttrPath;
  /** The value filter of `attr[filter]`; its paths are relative to `path`. */
  filter?: Filter;
  /** The sub-attribute after the brackets: `emails[type eq "work"].value`. */
  subAttribute?: string;
}
