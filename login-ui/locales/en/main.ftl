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
