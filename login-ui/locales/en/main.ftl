# passgate's pages in English. Every key here is in de, fr and es too, and
# every key is used by the code (src/i18n/tests.rs checks both).

## The frame of every page
page-skip = Skip to content
page-footer = Protected by { $brand }
page-reference = ref
page-languages = Language
common-or = or
common-email-link-button = Email me a sign-in link
common-someone-else = Sign in as someone else
common-signed-in-as = Signed in as { $who }.

## Relative times
time-seconds = { $n ->
    [one] { $n } second
   *[other] { $n } seconds
}
time-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
time-hours = { $n ->
    [one] { $n } hour
   *[other] { $n } hours
}
time-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}

## The sign-in page
login-title = Sign in
login-heading = Sign in to { $brand }
login-lead = Use a passkey, or get a sign-in link by email.
login-lead-passkey-only = Sign in with your passkey.
login-passkey-button = Sign in with a passkey
login-noscript = Passkeys need JavaScript; the email link works without it.
login-email-label = Email address
login-email-hint = We'll email you a link and a code. Your passkey may also be offered here.
login-have-code = I have a code from an email
login-signed-out = You have been signed out.
login-session-ended = Your session has ended. Please sign in again.

## Step-up ("Confirm it's you")
step-up-title = Confirm it's you
step-up-this-app = This application
step-up-reason = Confirm it's you to continue to { $app }.
step-up-reason-passkey = { $app } accepts only passkey sign-ins, and you signed in by email this time.
step-up-reason-max-age = { $app } wants a recent sign-in: yours was { $age } ago, and it takes sign-ins from the last { $max }.
step-up-passkey-button = Confirm with a passkey
step-up-noscript = Passkeys need JavaScript.
step-up-no-passkey = Your account has no passkey yet. Create one on this device — with your fingerprint, face or screen lock — then confirm with it.
step-up-create-passkey = Create a passkey

## Signing out
logout-title = Sign out
logout-heading = Sign out?
logout-signed-in-as = You are signed in as { $who }.
logout-not-signed-in = You are not signed in.
logout-button = Sign out
end-session-named = { $app } asks to sign you out of passgate. This ends your sign-in here and in every application that uses it in this browser.
end-session-unnamed = An application asks to sign you out of passgate. This ends your sign-in here and in every application that uses it in this browser.
common-continue = Continue

## Email sign-in
email-sent-title = Check your email
email-sent-lead = If { $email } can sign in here, a message with a sign-in link and a code is on its way. It expires in { $minutes } minutes.
email-sent-how = Open the link in this browser, or enter the code below — the code also works on another device.
email-code-from-email = Code from the email
email-sent-other-address = Use a different address
email-confirm-title = Confirm sign-in
email-confirm-new-heading = Finish signing up
email-confirm-new-lead = Create your account for { $email }.
email-confirm-lead = Sign in as { $email }.
email-confirm-create = Create my account
email-confirm-why = This extra step keeps email scanners from using your link.
email-code-title = Enter your code
email-code-heading = Enter the code from your email
email-code-lead = Use this on any device: the code works even where the link does not.
email-code-label = Code
email-code-back = Back to sign in

## The passkey offer after an email sign-in
offer-welcome-title = Welcome
offer-title = Add a passkey
offer-welcome-heading = Your account is ready
offer-heading = Sign in faster next time
offer-welcome-lead = Create a passkey so next time you sign in with your fingerprint, face or screen lock — no email needed.
offer-lead = You signed in by email. Create a passkey on this device to sign in with a touch next time.
offer-skip = Skip for now
offer-not-now = Not now
offer-hint = You can add or remove passkeys any time on your account page.
offer-hint-email = You can add or remove passkeys any time on your account page, and you can always sign in by email.

## Invitations
invite-title = Accept invitation
invite-heading = You're invited
invite-lead = Create your { $brand } account for { $email }.
invite-groups = You will join: { $groups }.
invite-accept = Accept and continue
invite-added-title = You were added to the groups
invite-added-message = { $email } now belongs to: { $groups }. Sign in as usual to continue.

## Email sign-in refusals
email-too-many-title = Too many attempts
email-try-again-in-minutes = { $n ->
    [one] Try again in { $n } minute.
   *[other] Try again in { $n } minutes.
}
email-too-many-next = If you already received a message, its link and code still work.
email-turned-off = Email sign-in is turned off here. Use a passkey.
email-enter-address = Enter your email address, like name@example.com.
email-too-many-network = Too many sign-in emails were requested from your network.
email-too-many-address = Too many sign-in emails were requested for this address.
email-link-expired-title = This link has expired
email-link-expired-message = Sign-in links work once and only for a short time. This one was already used or is too old.
email-link-expired-next = Ask for a new link on the sign-in page.
email-link-expired-action = Get a new link
email-other-browser = This link was opened in a different browser from the one that asked for it, so it cannot sign you in here. Enter the code from the same email instead — it works on any device.
email-code-enter-both = Enter your email address and the six-digit code from the email.
email-code-too-many-network = Too many codes were entered from your network.
email-code-paused = Codes are paused for this address for a day, because several wrong codes were entered for it. Use the link in your latest email, in the browser where you asked for it.
email-code-wrong-or-expired = That code is not right, or it has expired. Ask for a new email.
email-code-wrong-last = That code is not right. That was its last try: ask for a new email.
email-code-wrong-left = { $n ->
    [one] That code is not right. { $n } try left.
   *[other] That code is not right. { $n } tries left.
}
email-cannot-create-title = This account cannot be created
email-cannot-create-next = Try signing in again.
email-not-allowed-title = You can't sign in here
email-not-allowed-message = This account is disabled, or sign-up is not open to this address.
email-not-allowed-next = If you think this is a mistake, ask whoever runs this service.

## Errors any page may show
error-unavailable-title = Sign-in is briefly unavailable
error-unavailable-message = passgate cannot reach its database right now.
error-unavailable-next = Try again in a minute. If it keeps happening, tell whoever runs this service and quote the reference below.
error-internal-title = Something went wrong
error-internal-message = passgate could not finish this request.
error-internal-next = Try again. If it keeps happening, tell whoever runs this service and quote the reference below.
error-try-again = Try again
forged-title = This form could not be accepted
forged-action = Go to sign in
forged-origin = This form was sent from another site, so it was not accepted. Go back to the sign-in page and try again.
forged-token = This page had expired (or cookies are blocked), so the form was not accepted. Reload the page and try again.

## Times ago
time-just-now = just now
time-minutes-ago = { $n ->
    [one] { $n } minute ago
   *[other] { $n } minutes ago
}
time-hours-ago = { $n ->
    [one] { $n } hour ago
   *[other] { $n } hours ago
}
time-days-ago = { $n ->
    [one] { $n } day ago
   *[other] { $n } days ago
}

## The account page
account-title = Your account
account-badge-admin = admin
account-display-name = Display name
account-save = Save
account-passkeys = Passkeys
account-no-passkeys = You have no passkeys yet. A passkey lets you sign in with a touch.
account-no-passkeys-email = You have no passkeys yet. You sign in by email; a passkey lets you sign in with a touch.
account-badge-synced = synced
account-badge-device = this device only
account-badge-this-session = used for this session
account-added = added { $when }
account-last-used = last used { $when }
account-never-used = never used
account-new-name = New name
account-name-for = Name for { $name }
account-rename = Rename
account-only-way = Your only way to sign in: add another passkey first
account-remove-named = Remove { $name }
account-remove = Remove
account-sessions = Where you're signed in
account-badge-this-browser = this browser
account-signed-in = signed in { $when }
account-last-seen = last seen { $when }
account-sign-out-device = Sign out { $device }
account-sign-out-everywhere = Sign out everywhere
account-unknown-address = unknown address
account-method-passkey = passkey
account-method-email = email
account-notice-added = Passkey added. You can use it next time you sign in.
account-notice-renamed = Passkey renamed.
account-notice-removed = Passkey removed. It may still be listed by your device until it forgets it.
account-notice-revoked = That session has been signed out.
account-notice-saved = Saved.
account-notice-last-passkey = That is your only way to sign in (email sign-in is off here). Add another passkey first.
account-notice-bad-name = Names must be 1 to 60 characters.
passkeys-sign-in-again = To change your passkeys, confirm it's you first: your sign-in is more than ten minutes old.
passkeys-passkey-needed = Your account has a passkey: sign in with it to add or remove passkeys. Lost it? Ask an administrator to reset your passkeys, then sign in by email and add a new one.

## Emails
email-msg-signup-subject = Finish signing up for { $brand }
email-msg-signup-lead = Confirm your address to finish signing up for { $brand }.
email-msg-signup-action = Confirm and continue
email-msg-signin-subject = Your sign-in link for { $brand }
email-msg-signin-lead = Use this link to sign in to { $brand }.
email-msg-code = Or enter this code on the sign-in page:
email-msg-expiry-both = { $n ->
    [one] The link and the code work once and expire in { $n } minute. The link works in the browser where you asked for it; the code works anywhere.
   *[other] The link and the code work once and expire in { $n } minutes. The link works in the browser where you asked for it; the code works anywhere.
}
email-msg-expiry-link = { $n ->
    [one] The link works once, in the browser where you asked for it, and expires in { $n } minute. Sign-in codes are paused for this address for a day, because several wrong codes were entered for it.
   *[other] The link works once, in the browser where you asked for it, and expires in { $n } minutes. Sign-in codes are paused for this address for a day, because several wrong codes were entered for it.
}
email-msg-ignore = If you did not ask for this, you can ignore this message.
email-invite-subject = You're invited to { $brand }
email-invite-lead = You have been invited to { $brand }.
email-invite-action = Accept the invitation
email-invite-expiry = { $n ->
    [one] The link works once and expires in { $n } day. You will then be asked to create a passkey.
   *[other] The link works once and expires in { $n } days. You will then be asked to create a passkey.
}

## Invitations, refused
invite-expired-title = This invitation has expired
invite-expired-message = Invitations work once and for a limited time. This one was already used or is too old.
invite-expired-next = Ask whoever invited you for a new one. If you already accepted it, sign in.
invite-expired-short = It was already used or is too old.
invite-expired-next-short = Ask for a new invitation, or sign in if you already have an account.
invite-account-disabled = This account is disabled.
invite-already-used = It was already used.
invite-cannot-use = This invitation cannot be used

## Other answers
misc-not-signed-in-title = Not signed in
misc-not-signed-in-message = There is no signed-in session in this request.
misc-not-found-title = Page not found
misc-not-found-message = There is nothing at this address.

## Passkey ceremonies
passkey-too-many = { $n ->
    [one] Too many passkey attempts from your network. Try again in { $n } second.
   *[other] Too many passkey attempts from your network. Try again in { $n } seconds.
}
passkey-unreadable = The passkey response could not be read. Please try again.
passkey-unknown = This passkey is no longer registered here. It has been removed from this device's suggestions where the browser allows; sign in another way.
passkey-account-disabled = This account is disabled. Ask whoever runs this service.
passkey-session-ended = Your session has ended. Sign in again to add a passkey.
passkey-account-gone = Your account no longer exists.
passkey-already-registered = This passkey is already registered.
passkey-error = { $reason }. Try again or sign in by email.
passkey-error-expired = This passkey request has expired or was already used; please try again
passkey-error-unknown = This passkey is not registered here
passkey-error-mismatch = The passkey did not match its account
passkey-error-cloned = This passkey's signature counter went backwards, which suggests a cloned authenticator; it has been refused
passkey-error-not-verified = Your authenticator did not verify you (PIN or biometrics); this site requires it
passkey-error-not-discoverable = The passkey must be stored on the authenticator (a discoverable credential) so you can sign in without a username
passkey-error-invalid = The passkey response was not valid
passkey-error-cross-origin = This passkey response was made in a page embedded in another site; sign in on the sign-in page itself

## OpenID Connect pages
oidc-not-enabled = passgate is not set up as an OpenID provider here.
oidc-not-a-form = The sign-in request from the application is not a form.
oidc-unreadable = The sign-in request from the application cannot be read.
oidc-no-client-id = The application's sign-in request names no client_id. Its OpenID Connect settings need the client id configured in passgate.
oidc-client-twice = The application's sign-in request names its client twice.
oidc-unknown-client = The application asking you to sign in is not registered with passgate (unknown client_id). Ask your administrator to add it as an [[oidc.client]].
oidc-redirect-not-registered = { $app } asked to send you back to an address it has not registered, so passgate will not send you there. Ask your administrator to check the client's redirect_uris.
oidc-not-for-you-title = { $app } is not for you
oidc-not-for-you-message = You are signed in as { $who }, and { $app } is open to members of { $groups } only.
oidc-not-for-you-next = Ask your administrator for access if you need it.
oidc-request-unusable = This sign-in request cannot be used
oidc-request-unusable-next = Go back to the application and try again; if it happens again, tell your administrator.
oidc-logout-unreadable = The sign-out request cannot be read.
oidc-logout-repeats = The sign-out request repeats a parameter.
oidc-logout-bad-hint = The application sent an id_token_hint passgate did not issue.
oidc-logout-two-apps = The sign-out request names two different applications.
oidc-logout-unknown-app = The application asking to sign you out is not registered with passgate.
oidc-logout-bad-return = The application asked to send you to an address it has not registered for after sign-out.
oidc-logout-unusable = This sign-out request cannot be used
oidc-logout-unusable-next = You are still signed in. Sign out from your passgate account page if you want to.

## The gate's own answers
gate-forbidden-title = You don't have access
gate-forbidden-next = If you need access, ask whoever runs this application to add you, or sign in with another account.
gate-refusal-no-route = This address is not configured in passgate, so nobody can reach it.
gate-refusal-deny = This address is closed to everyone.
gate-refusal-not-allowed = Your account is not one of those allowed to use this application.
gate-bad-request-title = This request cannot be handled
gate-check-address = Check the address and try again.
gate-timeout-title = The application is not answering
gate-timeout-message = The application behind this address took too long to respond.
gate-timeout-next = Try again in a moment. If it keeps happening, the application may be overloaded or stuck.
gate-not-forwarded-title = This request cannot be forwarded
gate-unreachable-title = The application is not reachable
gate-unreachable-message = You are signed in, but the application behind this address is down or refusing connections.
gate-unreachable-next = Try again in a moment. If it keeps happening, tell whoever runs this application and quote the reference below.
gate-method = The method { $method } is not passed on to applications.
gate-no-upstream-title = Nothing is served here
gate-no-upstream-message = This address is protected for another proxy to serve; passgate itself has no application for it.
gate-untrusted-title = Not allowed
gate-untrusted-message = This endpoint answers only the proxies listed in passgate's configuration.
gate-token-title = This token is not accepted
gate-token-next = A script or CI job needs a valid token for a rule with tokens = true; whoever runs passgate can issue one (passgate token create, or rotate).

## What the pages' script says
js-error = Something went wrong. Please try again.
js-cancelled = The passkey request was cancelled or timed out. You can try again.
js-cancelled-email = The passkey request was cancelled or timed out. You can try again, or use email.
js-already-on-device = A passkey for this account is already on this device.
js-security = Passkeys are not allowed on this address. Ask whoever runs this site to check its settings.
js-unsupported = This browser cannot use passkeys here. Sign in by email instead.
js-unsupported-create = This browser cannot create passkeys here.
js-signing-in = Signing you in…
js-created = Passkey created. Next time, sign in with it.
js-server = The server answered

## Admin pages
admin-title = Administration
admin-people = People
admin-not-admin-title = This is for administrators
admin-not-admin-message = The admin pages are open to members of the admins group only.
page-not-navigated-title = Open this page yourself
page-not-navigated-message = This works only when you open the page and press its buttons yourself, not from a script, a frame or another page. Open the page again and try once more.
admin-bad-request-title = This request cannot be handled
admin-bad-page = There is no such page of the list.
admin-bad-search = The search is too long (at most 200 characters).
admin-search-label = Search by address or name
admin-search = Search
admin-people-count = { $n ->
    [one] { $n } person
   *[other] { $n } people
}
admin-badge-disabled = disabled
admin-pages = Pages of the list
admin-previous = Previous
admin-next = Next
admin-no-groups = In no group.
admin-enable = Enable
admin-disable = Disable
admin-this-is-you = This is you: you cannot disable, delete or demote yourself here.
admin-no-passkeys = No passkeys.
admin-sessions = Sessions
admin-no-sessions = Not signed in anywhere.
admin-notice-disabled = Disabled, and signed out everywhere.
admin-notice-enabled = Enabled. They can sign in again.
admin-notice-signed-out = Signed out everywhere.
admin-not-yourself-title = You cannot do this to yourself here
admin-not-yourself-message = Disabling, deleting or taking yourself out of admins would lock you out of the admin pages. Ask another administrator, or use the CLI.
admin-no-such-person-title = No such person
admin-no-such-person-message = There is nobody with this id; they may have been deleted.
admin-last-admin-title = This would leave no administrator
admin-last-admin-message = Nobody could use the admin pages then. Make someone else an administrator first.

## Admin: apps and keys
admin-system = Apps and keys
admin-oidc-clients = OpenID Connect apps
admin-no-oidc-clients = No OpenID Connect app is configured ([[oidc.client]] in the configuration file).
admin-client-public = public
admin-client-confidential = confidential
admin-client-grants = { $n ->
    [one] { $n } live sign-in
   *[other] { $n } live sign-ins
}
admin-keys = Signing keys
admin-keys-hint = The keys that sign identity assertions and OpenID Connect tokens. Rotating makes new ones current; the previous ones stay published for a day.
admin-key-current = current
admin-rotate-keys = Rotate keys
admin-notice-rotated = New keys are current. The previous ones stay published for a day.

## Admin: audit log
admin-audit = Audit log
admin-audit-kind = Kind (starts with)
admin-audit-export-jsonl = Export as JSON Lines
admin-audit-export-csv = Export as CSV
admin-audit-none = No events match.
admin-audit-failed = failed
admin-bad-format = The export is JSON Lines (format=jsonl) or CSV (format=csv).

## Admin: shared
admin-back = Back
admin-cancel = Cancel
admin-create = Create
admin-add = Add
admin-revoke = Revoke
admin-created = created { $when }
admin-admins-group-title = The admins group stays as it is
admin-admins-group-message = Renaming or deleting the admins group, or giving another group its name, would change who can administer. Add or remove its members instead.
admin-last-passkey-title = This is their only way to sign in
admin-last-passkey-message = Email sign-in is turned off, so without this passkey they could not sign in at all. Ask them to add another passkey first, or reset their passkeys with the CLI (passgate user reset-passkeys) and invite them again.
admin-no-such-group-title = No such group
admin-no-such-group-message = There is no group with this name; it may have been renamed or deleted.
admin-no-such-invite-title = No such invitation
admin-no-such-invite-message = This invitation is not there any more; it may have been revoked or sent again.
admin-no-such-account-title = No such service account
admin-no-such-account-message = There is no service account with this name.
admin-no-such-item-title = Not found
admin-no-such-item-message = What this asked for is not there; it may have changed since the page was loaded. Reload the page and try again.
admin-bad-email = Enter an email address (at most 200 characters).
admin-bad-group-name = A group name is 1 to 64 letters, digits, hyphens, underscores or dots.
admin-bad-name = The name is too long (at most 100 characters).
admin-bad-username = A username is 1 to 64 letters, digits, hyphens, underscores or dots (no @: it must never read as someone’s address).

## Admin: people
admin-invite-someone = Invite someone
admin-username = Username
admin-username-hint = What applications receive as Remote-User. Leave it empty to use the email address.
admin-username-taken-title = This username is taken
admin-username-taken-message = Another person or a service account already has it, and an application could not tell them apart. Choose another one.
admin-notice-saved = Saved.
admin-notice-session-ended = Signed out on that device.
admin-notice-joined = Added to the group.
admin-notice-left = Removed from the group.
admin-notice-passkey-removed = Passkey removed, and the sessions started with it ended.
admin-groups-title = Groups
admin-join-label = Add to a group
admin-join = Add
admin-leave = Remove
admin-leave-named = Remove from { $group }
admin-delete-person = Delete this person
admin-delete-lead = Deleting { $email } removes their account, passkeys, sessions and group memberships, everywhere, at once. The audit log keeps what they did.
admin-delete-takes = Passkeys: { $passkeys }. Live sessions: { $sessions }.
admin-delete-type = Type their email address to confirm
admin-delete-mismatch = The address you typed does not match. Nothing was deleted.

## Admin: groups
admin-no-groups-yet = There are no groups yet.
admin-members-count = { $n ->
    [one] { $n } member
   *[other] { $n } members
}
admin-new-group = New group
admin-group-name = Name
admin-group-name-hint = Letters, digits, hyphens, underscores and dots. Routes and apps name groups in the configuration file.
admin-group-exists-title = This group already exists
admin-group-exists-message = Choose another name, or open the existing group.
admin-notice-group-created = Group created.
admin-notice-group-renamed = Group renamed.
admin-notice-group-deleted = Group deleted.
admin-admins-group-hint = Members of admins can use these pages. There is always at least one enabled member, and you cannot remove yourself here.
admin-add-member-label = Add a person by email address
admin-remove-member-named = Remove { $email }
admin-group-change = Rename or delete
admin-group-unused = Neither the configuration nor a service account uses this group.
admin-group-used-by = The configuration or a service account uses this group. Renaming or deleting it changes who gets in there, until the configuration is changed too:
admin-rename-to = New name
admin-group-delete-type = Type { $group } to delete it
admin-delete-group = Delete group
admin-group-delete-mismatch = The name you typed does not match. The group was not deleted.

## Admin: invitations
admin-invites = Invitations
admin-no-invites = No invitations yet.
admin-invite-pending = pending
admin-invite-used = used
admin-invite-expired = expired
admin-invite-used-at = used { $when }
admin-invite-expired-at = expired { $when }
admin-invite-expires-at = valid until { $date }
admin-by = by { $who }
admin-resend = Send again
admin-resend-named = Send again to { $email }
admin-revoke-named = Revoke { $email }
admin-invite-groups = Groups
admin-invite-groups-hint = Separate groups with commas; new ones are created.
admin-invite-groups-known = Separate groups with commas. Existing groups: { $groups }
admin-invite-days = Valid for (days)
admin-invite-send = Invite
admin-bad-days = An invitation is valid for 1 to 90 days.
admin-has-account-title = This person already has an account
admin-has-account-message = Add them to groups on their page instead; they sign in as usual.
admin-invite-used-title = This invitation has been used
admin-invite-used-message = It cannot be revoked or sent again; manage the person's account instead.
admin-notice-invite-revoked = Invitation revoked: its link no longer works.
admin-invited-title = Invitation made
admin-invited-sent = An email with the link is on its way to { $email }.
admin-invited-not-sent = The email to { $email } could not be sent. Give them the link yourself.
admin-invited-link = Invitation link
admin-invited-once = { $n ->
    [one] The link is shown only this once and works for { $n } day, once.
   *[other] The link is shown only this once and works for { $n } days, once.
}

## Admin: service tokens
admin-tokens = Service tokens
admin-tokens-lead = Service accounts let CI jobs and scripts call routes with tokens = true, without a browser.
admin-no-tokens = No service accounts yet.
admin-token-none-valid = no valid token
admin-tokens-valid = { $n ->
    [one] { $n } valid token
   *[other] { $n } valid tokens
}
admin-token-expires = valid until { $date }
admin-token-never-expires = valid until revoked
admin-rotate = Rotate
admin-rotate-named = Rotate the token of { $name }
admin-rotate-hint = Rotating issues a new token; the older ones keep working for 24 hours, then end. Revoking ends every token at once.
admin-new-token = New service account
admin-token-name = Name
admin-token-name-hint = The name is what applications receive as Remote-User: letters, digits, hyphens, underscores and dots.
admin-token-groups-hint = Separate groups with commas.
admin-token-days-hint = 0 means until revoked.
admin-token-days = Valid for (days)
admin-bad-token-days = A token is valid for 0 (until revoked) to 3650 days.
admin-bad-account-name = A service account name is 1 to 64 letters, digits, hyphens, underscores or dots, starting with a letter or digit.
admin-bad-overlap = The overlap is 0 to 720 hours.
admin-account-taken-title = This name is taken
admin-account-taken-message = A service account or a person's username already has it, and an application could not tell them apart. Choose another name.
admin-notice-tokens-revoked = Every token of the account is revoked.
admin-notice-account-disabled = Account disabled: its tokens stop working until it is enabled.
admin-notice-account-enabled = Account enabled.
admin-token-shown-title = Copy this token now
admin-token-shown-lead = The new token of { $name }:
admin-token-label = Token
admin-token-shown-once = It is shown only this once: store it in your CI's secrets now. passgate keeps only a hash of it.
admin-token-usage = Send it as Authorization: Bearer, or in X-Passgate-Token.

## Admin: activity
admin-activity = Activity
admin-activity-span = Period
admin-activity-days = { $n ->
    [one] Last day
   *[other] Last { $n } days
}
admin-activity-summary = In the last { $days } days: { $signins } sign-ins ({ $passkey } with a passkey, { $email } by email), { $failed } failed sign-ins and { $lockouts } lockouts.
admin-activity-passkey = Passkey sign-ins
admin-activity-email = Email sign-ins
admin-activity-failed = Failed sign-ins
admin-activity-lockouts = Lockouts
admin-activity-numbers = The numbers, day by day
admin-activity-day = Day (UTC)
admin-bad-days-choice = The period is 7, 30 or 90 days.

## Admin: audit log (time)
admin-audit-since = Since
admin-audit-since-hint = Since: a time ago like 24h or 7d, or a date like 2026-11-01 (UTC).
admin-bad-since = Since is a time ago like 24h or 7d, or a date like 2026-11-01.
