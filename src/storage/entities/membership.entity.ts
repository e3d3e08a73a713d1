import { defineEntity, p } from '@mikro-orm/core';

/** One direct membership: a User or a Group inside a Group. Indexed both ways. */
export const MembershipEntity = defineEntity({
  name: 'ScimMembership',
  tableName: 'scim_membership',
  properties: {
    tenantId: p.uuid().primary(),
    groupId: p.uuid().primary(),
    memberId: p.uuid().primary(),
    memberType: p.text(),
  },
});
