/** Errors of the tenants domain (tenants, members, invitations). */
import { defineErrors } from '../http/errors.ts';

export const tenantErrors = defineErrors({
  tenant_not_found: [404, 'No such tenant.'],
  member_not_found: [404, 'No such member.'],
  last_owner: [409, 'A tenant must keep at least one owner.'],
  invitation_not_found: [404, 'No such open invitation.'],
  invitation_invalid: [400, 'This invitation is unknown, expired, revoked or already used.'],
  invitation_email_mismatch: [403, 'This invitation was sent to another email address.'],
  tenant_creation_forbidden: [403, 'Creating more tenants needs TOLLGATE_SIGNUP=open or a platform admin.'],
});
