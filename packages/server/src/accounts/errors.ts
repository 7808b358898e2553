/** Errors of the accounts domain (sign-up, sign-in, sessions). */
import { defineErrors } from '../http/errors.ts';

export const accountErrors = defineErrors({
  email_taken: [409, 'An account with this email already exists: sign in instead.'],
  invalid_credentials: [401, 'Wrong email or password.'],
  signup_invite_only: [403, 'Sign-up needs an invitation on this server (TOLLGATE_SIGNUP=invite).'],
  signup_closed: [403, 'Sign-up is closed on this server (TOLLGATE_SIGNUP=closed).'],
  session_not_found: [404, 'No such session.'],
});
