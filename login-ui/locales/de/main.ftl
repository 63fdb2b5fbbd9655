## The frame of every page
page-skip = Zum Inhalt springen
page-footer = Geschützt durch { $brand }
page-reference = Ref.
page-languages = Sprache
common-or = oder
common-email-link-button = Anmeldelink per E-Mail senden
common-someone-else = Als andere Person anmelden
common-signed-in-as = Angemeldet als { $who }.

## Relative times
time-seconds = { $n ->
    [one] { $n } Sekunde
   *[other] { $n } Sekunden
}
time-minutes = { $n ->
    [one] { $n } Minute
   *[other] { $n } Minuten
}
time-hours = { $n ->
    [one] { $n } Stunde
   *[other] { $n } Stunden
}
time-days = { $n ->
    [one] { $n } Tag
   *[other] { $n } Tagen
}

## The sign-in page
login-title = Anmelden
login-heading = Bei { $brand } anmelden
login-lead = Mit einem Passkey anmelden oder einen Anmeldelink per E-Mail erhalten.
login-lead-passkey-only = Melden Sie sich mit Ihrem Passkey an.
login-passkey-button = Mit Passkey anmelden
login-noscript = Passkeys brauchen JavaScript; der E-Mail-Link funktioniert auch ohne.
login-email-label = E-Mail-Adresse
login-email-hint = Wir senden Ihnen einen Link und einen Code. Ihr Passkey kann hier auch angeboten werden.
login-have-code = Ich habe einen Code aus einer E-Mail
login-signed-out = Sie wurden abgemeldet.
login-session-ended = Ihre Sitzung ist beendet. Bitte melden Sie sich erneut an.

## Step-up ("Confirm it's you")
step-up-title = Bestätigen Sie, dass Sie es sind
step-up-this-app = Diese Anwendung
step-up-reason = Bestätigen Sie, dass Sie es sind, um zu { $app } weiterzugehen.
step-up-reason-passkey = { $app } akzeptiert nur Anmeldungen mit Passkey, und Sie haben sich diesmal per E-Mail angemeldet.
step-up-reason-max-age = { $app } verlangt eine aktuelle Anmeldung: Ihre liegt { $age } zurück, und es werden nur Anmeldungen der letzten { $max } angenommen.
step-up-passkey-button = Mit Passkey bestätigen
step-up-noscript = Passkeys brauchen JavaScript.
step-up-no-passkey = Ihr Konto hat noch keinen Passkey. Erstellen Sie einen auf diesem Gerät – mit Fingerabdruck, Gesicht oder Displaysperre – und bestätigen Sie damit.
step-up-create-passkey = Passkey erstellen

## Signing out
logout-title = Abmelden
logout-heading = Abmelden?
logout-signed-in-as = Sie sind als { $who } angemeldet.
logout-not-signed-in = Sie sind nicht angemeldet.
logout-button = Abmelden
end-session-named = { $app } möchte Sie bei passgate abmelden. Damit endet Ihre Anmeldung hier und in jeder Anwendung, die sie in diesem Browser nutzt.
end-session-unnamed = Eine Anwendung möchte Sie bei passgate abmelden. Damit endet Ihre Anmeldung hier und in jeder Anwendung, die sie in diesem Browser nutzt.
