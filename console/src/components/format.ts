import type { Member } from '../api/types.ts';

/** The name to show: displayName, else the formatted or given + family name, else the userName. */
export function memberName(member: Member): string {
  return (
    member.displayName ||
    member.name?.formatted ||
    [member.name?.givenName, member.name?.familyName].filter(Boolean).join(' ') ||
    member.userName
  );
}
