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
admin-groups = Groups: { $groups }
admin-enable = Enable
admin-disable = Disable
admin-this-is-you = This is you: you cannot disable yourself here.
admin-no-passkeys = No passkeys.
admin-sessions = Sessions
admin-no-sessions = Not signed in anywhere.
admin-notice-disabled = Disabled, and signed out everywhere.
admin-notice-enabled = Enabled. They can sign in again.
admin-notice-signed-out = Signed out everywhere.
admin-not-yourself-title = You cannot disable yourself
admin-not-yourself-message = Disabling your own account would lock you out of the admin pages. Ask another administrator, or use the CLI.
admin-no-such-person-title = No such person
admin-no-such-person-message = There is nobody with this id; they may have been deleted.
admin-last-admin-title = You cannot disable the last administrator
admin-last-admin-message = Nobody else could use the admin pages then. Make someone else an administrator first.

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
