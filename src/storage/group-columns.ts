import { columnMap, text, type DerivedColumn, type DerivedColumns } from './resource-columns.js';

/** THE column map of scim_group: see USER_COLUMNS. Members live in scim_membership, not here. */
export const GROUP_COLUMNS = {
  display_name: {
    attribute: 'displayName',
    type: 'text',
    notNull: true,
    value: (r) => String(r.displayName),
    folded: 'display_name_lower',
  },
  external_id: { attribute: 'externalId', type: 'text', notNull: false, value: (r) => text(r.externalId) },
} satisfies DerivedColumns<'scim_group'> as Record<string, DerivedColumn>;

export const GROUP_COLUMN_MAP = columnMap('Group', GROUP_COLUMNS);
