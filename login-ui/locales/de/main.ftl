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
common-continue = Weiter

## Email sign-in
email-sent-title = Prüfen Sie Ihre E-Mails
email-sent-lead = Wenn sich { $email } hier anmelden kann, ist eine Nachricht mit Anmeldelink und Code unterwegs. Sie ist { $minutes } Minuten gültig.
email-sent-how = Öffnen Sie den Link in diesem Browser oder geben Sie unten den Code ein – der Code funktioniert auch auf einem anderen Gerät.
email-code-from-email = Code aus der E-Mail
email-sent-other-address = Eine andere Adresse verwenden
email-confirm-title = Anmeldung bestätigen
email-confirm-new-heading = Registrierung abschließen
email-confirm-new-lead = Erstellen Sie Ihr Konto für { $email }.
email-confirm-lead = Als { $email } anmelden.
email-confirm-create = Mein Konto erstellen
email-confirm-why = Dieser zusätzliche Schritt verhindert, dass E-Mail-Scanner Ihren Link verbrauchen.
email-code-title = Code eingeben
email-code-heading = Geben Sie den Code aus Ihrer E-Mail ein
email-code-lead = Das geht auf jedem Gerät: Der Code funktioniert auch dort, wo der Link es nicht tut.
email-code-label = Code
email-code-back = Zurück zur Anmeldung

## The passkey offer after an email sign-in
offer-welcome-title = Willkommen
offer-title = Passkey hinzufügen
offer-welcome-heading = Ihr Konto ist bereit
offer-heading = Beim nächsten Mal schneller anmelden
offer-welcome-lead = Erstellen Sie einen Passkey, damit Sie sich künftig mit Fingerabdruck, Gesicht oder Displaysperre anmelden – ganz ohne E-Mail.
offer-lead = Sie haben sich per E-Mail angemeldet. Erstellen Sie einen Passkey auf diesem Gerät, um sich beim nächsten Mal mit einer Berührung anzumelden.
offer-skip = Jetzt überspringen
offer-not-now = Nicht jetzt
offer-hint = Passkeys können Sie jederzeit auf Ihrer Kontoseite hinzufügen oder entfernen.
offer-hint-email = Passkeys können Sie jederzeit auf Ihrer Kontoseite hinzufügen oder entfernen, und die Anmeldung per E-Mail bleibt immer möglich.

## Invitations
invite-title = Einladung annehmen
invite-heading = Sie sind eingeladen
invite-lead = Erstellen Sie Ihr { $brand }-Konto für { $email }.
invite-groups = Sie treten bei: { $groups }.
invite-accept = Annehmen und fortfahren
invite-added-title = Sie wurden den Gruppen hinzugefügt
invite-added-message = { $email } gehört jetzt zu: { $groups }. Melden Sie sich wie gewohnt an, um fortzufahren.

## Email sign-in refusals
email-too-many-title = Zu viele Versuche
email-try-again-in-minutes = { $n ->
    [one] Versuchen Sie es in { $n } Minute erneut.
   *[other] Versuchen Sie es in { $n } Minuten erneut.
}
email-too-many-next = Wenn Sie bereits eine Nachricht erhalten haben, funktionieren deren Link und Code weiterhin.
email-turned-off = Die Anmeldung per E-Mail ist hier abgeschaltet. Verwenden Sie einen Passkey.
email-enter-address = Geben Sie Ihre E-Mail-Adresse ein, etwa name@example.com.
email-too-many-network = Aus Ihrem Netzwerk wurden zu viele Anmelde-E-Mails angefordert.
email-too-many-address = Für diese Adresse wurden zu viele Anmelde-E-Mails angefordert.
email-link-expired-title = Dieser Link ist abgelaufen
email-link-expired-message = Anmeldelinks funktionieren nur einmal und nur kurze Zeit. Dieser wurde bereits verwendet oder ist zu alt.
email-link-expired-next = Fordern Sie auf der Anmeldeseite einen neuen Link an.
email-link-expired-action = Neuen Link anfordern
email-other-browser = Dieser Link wurde in einem anderen Browser geöffnet als dem, der ihn angefordert hat, und kann Sie hier nicht anmelden. Geben Sie stattdessen den Code aus derselben E-Mail ein – er funktioniert auf jedem Gerät.
email-code-enter-both = Geben Sie Ihre E-Mail-Adresse und den sechsstelligen Code aus der E-Mail ein.
email-code-too-many-network = Aus Ihrem Netzwerk wurden zu viele Codes eingegeben.
email-code-paused = Codes sind für diese Adresse einen Tag lang gesperrt, weil mehrere falsche Codes eingegeben wurden. Verwenden Sie den Link aus Ihrer neuesten E-Mail in dem Browser, in dem Sie ihn angefordert haben.
email-code-wrong-or-expired = Dieser Code stimmt nicht oder ist abgelaufen. Fordern Sie eine neue E-Mail an.
email-code-wrong-last = Dieser Code stimmt nicht. Das war der letzte Versuch: Fordern Sie eine neue E-Mail an.
email-code-wrong-left = { $n ->
    [one] Dieser Code stimmt nicht. Noch { $n } Versuch.
   *[other] Dieser Code stimmt nicht. Noch { $n } Versuche.
}
email-cannot-create-title = Dieses Konto kann nicht erstellt werden
email-cannot-create-next = Versuchen Sie erneut, sich anzumelden.
email-not-allowed-title = Sie können sich hier nicht anmelden
email-not-allowed-message = Dieses Konto ist deaktiviert, oder die Registrierung steht dieser Adresse nicht offen.
email-not-allowed-next = Wenn Sie das für einen Fehler halten, wenden Sie sich an die Betreiber dieses Dienstes.

## Errors any page may show
error-unavailable-title = Die Anmeldung ist kurz nicht verfügbar
error-unavailable-message = passgate erreicht seine Datenbank gerade nicht.
error-unavailable-next = Versuchen Sie es in einer Minute erneut. Wenn es so bleibt, wenden Sie sich an die Betreiber dieses Dienstes und nennen Sie die Referenz unten.
error-internal-title = Etwas ist schiefgegangen
error-internal-message = passgate konnte diese Anfrage nicht abschließen.
error-internal-next = Versuchen Sie es erneut. Wenn es so bleibt, wenden Sie sich an die Betreiber dieses Dienstes und nennen Sie die Referenz unten.
error-try-again = Erneut versuchen
forged-title = Dieses Formular konnte nicht angenommen werden
forged-action = Zur Anmeldung
forged-origin = Dieses Formular wurde von einer anderen Website gesendet und daher nicht angenommen. Gehen Sie zurück zur Anmeldeseite und versuchen Sie es erneut.
forged-token = Diese Seite war abgelaufen (oder Cookies sind blockiert), daher wurde das Formular nicht angenommen. Laden Sie die Seite neu und versuchen Sie es erneut.

## Times ago
time-just-now = gerade eben
time-minutes-ago = { $n ->
    [one] vor { $n } Minute
   *[other] vor { $n } Minuten
}
time-hours-ago = { $n ->
    [one] vor { $n } Stunde
   *[other] vor { $n } Stunden
}
time-days-ago = { $n ->
    [one] vor { $n } Tag
   *[other] vor { $n } Tagen
}

## The account page
account-title = Ihr Konto
account-badge-admin = Admin
account-display-name = Anzeigename
account-save = Speichern
account-passkeys = Passkeys
account-no-passkeys = Sie haben noch keine Passkeys. Mit einem Passkey melden Sie sich mit einer Berührung an.
account-no-passkeys-email = Sie haben noch keine Passkeys. Sie melden sich per E-Mail an; mit einem Passkey genügt eine Berührung.
account-badge-synced = synchronisiert
account-badge-device = nur dieses Gerät
account-badge-this-session = für diese Sitzung verwendet
account-added = hinzugefügt { $when }
account-last-used = zuletzt verwendet { $when }
account-never-used = nie verwendet
account-new-name = Neuer Name
account-name-for = Name für { $name }
account-rename = Umbenennen
account-only-way = Ihr einziger Weg zur Anmeldung: Fügen Sie zuerst einen weiteren Passkey hinzu
account-remove-named = { $name } entfernen
account-remove = Entfernen
account-sessions = Wo Sie angemeldet sind
account-badge-this-browser = dieser Browser
account-signed-in = angemeldet { $when }
account-last-seen = zuletzt gesehen { $when }
account-sign-out-device = { $device } abmelden
account-sign-out-everywhere = Überall abmelden
account-unknown-address = unbekannte Adresse
account-method-passkey = Passkey
account-method-email = E-Mail
account-notice-added = Passkey hinzugefügt. Sie können ihn bei der nächsten Anmeldung verwenden.
account-notice-renamed = Passkey umbenannt.
account-notice-removed = Passkey entfernt. Ihr Gerät zeigt ihn womöglich noch an, bis es ihn vergisst.
account-notice-revoked = Diese Sitzung wurde abgemeldet.
account-notice-saved = Gespeichert.
account-notice-last-passkey = Das ist Ihr einziger Weg zur Anmeldung (die Anmeldung per E-Mail ist hier abgeschaltet). Fügen Sie zuerst einen weiteren Passkey hinzu.
account-notice-bad-name = Namen müssen 1 bis 60 Zeichen lang sein.
passkeys-sign-in-again = Um Ihre Passkeys zu ändern, bestätigen Sie zuerst, dass Sie es sind: Ihre Anmeldung ist älter als zehn Minuten.
passkeys-passkey-needed = Ihr Konto hat einen Passkey: Melden Sie sich damit an, um Passkeys hinzuzufügen oder zu entfernen. Verloren? Bitten Sie eine Administratorin oder einen Administrator, Ihre Passkeys zurückzusetzen, melden Sie sich dann per E-Mail an und fügen Sie einen neuen hinzu.

## Emails
email-msg-signup-subject = Registrierung bei { $brand } abschließen
email-msg-signup-lead = Bestätigen Sie Ihre Adresse, um die Registrierung bei { $brand } abzuschließen.
email-msg-signup-action = Bestätigen und fortfahren
email-msg-signin-subject = Ihr Anmeldelink für { $brand }
email-msg-signin-lead = Mit diesem Link melden Sie sich bei { $brand } an.
email-msg-code = Oder geben Sie diesen Code auf der Anmeldeseite ein:
email-msg-expiry-both = { $n ->
    [one] Link und Code funktionieren einmal und verfallen in { $n } Minute. Der Link funktioniert in dem Browser, in dem Sie ihn angefordert haben; der Code überall.
   *[other] Link und Code funktionieren einmal und verfallen in { $n } Minuten. Der Link funktioniert in dem Browser, in dem Sie ihn angefordert haben; der Code überall.
}
email-msg-expiry-link = { $n ->
    [one] Der Link funktioniert einmal, in dem Browser, in dem Sie ihn angefordert haben, und verfällt in { $n } Minute. Anmeldecodes sind für diese Adresse einen Tag lang gesperrt, weil mehrere falsche Codes eingegeben wurden.
   *[other] Der Link funktioniert einmal, in dem Browser, in dem Sie ihn angefordert haben, und verfällt in { $n } Minuten. Anmeldecodes sind für diese Adresse einen Tag lang gesperrt, weil mehrere falsche Codes eingegeben wurden.
}
email-msg-ignore = Wenn Sie dies nicht angefordert haben, können Sie diese Nachricht ignorieren.
email-invite-subject = Sie sind zu { $brand } eingeladen
email-invite-lead = Sie wurden zu { $brand } eingeladen.
email-invite-action = Einladung annehmen
email-invite-expiry = { $n ->
    [one] Der Link funktioniert einmal und verfällt in { $n } Tag. Danach werden Sie gebeten, einen Passkey zu erstellen.
   *[other] Der Link funktioniert einmal und verfällt in { $n } Tagen. Danach werden Sie gebeten, einen Passkey zu erstellen.
}

## Invitations, refused
invite-expired-title = Diese Einladung ist abgelaufen
invite-expired-message = Einladungen funktionieren einmal und nur für begrenzte Zeit. Diese wurde bereits verwendet oder ist zu alt.
invite-expired-next = Bitten Sie die Person, die Sie eingeladen hat, um eine neue. Wenn Sie sie schon angenommen haben, melden Sie sich an.
invite-expired-short = Sie wurde bereits verwendet oder ist zu alt.
invite-expired-next-short = Fordern Sie eine neue Einladung an, oder melden Sie sich an, wenn Sie schon ein Konto haben.
invite-account-disabled = Dieses Konto ist deaktiviert.
invite-already-used = Sie wurde bereits verwendet.
invite-cannot-use = Diese Einladung kann nicht verwendet werden

## Other answers
misc-not-signed-in-title = Nicht angemeldet
misc-not-signed-in-message = Diese Anfrage gehört zu keiner angemeldeten Sitzung.
misc-not-found-title = Seite nicht gefunden
misc-not-found-message = Unter dieser Adresse gibt es nichts.

## Passkey ceremonies
passkey-too-many = { $n ->
    [one] Zu viele Passkey-Versuche aus Ihrem Netzwerk. Versuchen Sie es in { $n } Sekunde erneut.
   *[other] Zu viele Passkey-Versuche aus Ihrem Netzwerk. Versuchen Sie es in { $n } Sekunden erneut.
}
passkey-unreadable = Die Antwort des Passkeys konnte nicht gelesen werden. Bitte versuchen Sie es erneut.
passkey-unknown = Dieser Passkey ist hier nicht mehr registriert. Er wurde, soweit der Browser es erlaubt, aus den Vorschlägen dieses Geräts entfernt; melden Sie sich auf andere Weise an.
passkey-account-disabled = Dieses Konto ist deaktiviert. Wenden Sie sich an die Betreiber dieses Dienstes.
passkey-session-ended = Ihre Sitzung ist beendet. Melden Sie sich erneut an, um einen Passkey hinzuzufügen.
passkey-account-gone = Ihr Konto existiert nicht mehr.
passkey-already-registered = Dieser Passkey ist bereits registriert.
passkey-error = { $reason }. Versuchen Sie es erneut oder melden Sie sich per E-Mail an.
passkey-error-expired = Diese Passkey-Anfrage ist abgelaufen oder wurde bereits verwendet; bitte versuchen Sie es erneut
passkey-error-unknown = Dieser Passkey ist hier nicht registriert
passkey-error-mismatch = Der Passkey passt nicht zu seinem Konto
passkey-error-cloned = Der Signaturzähler dieses Passkeys ist zurückgegangen, was auf einen geklonten Authenticator hindeutet; er wurde abgelehnt
passkey-error-not-verified = Ihr Authenticator hat Sie nicht verifiziert (PIN oder Biometrie); diese Website verlangt es
passkey-error-not-discoverable = Der Passkey muss auf dem Authenticator gespeichert sein (ein auffindbarer Schlüssel), damit Sie sich ohne Benutzernamen anmelden können
passkey-error-invalid = Die Antwort des Passkeys war ungültig
passkey-error-cross-origin = Diese Passkey-Antwort entstand in einer Seite, die in eine andere Website eingebettet ist; melden Sie sich direkt auf der Anmeldeseite an

## OpenID Connect pages
oidc-not-enabled = passgate ist hier nicht als OpenID-Anbieter eingerichtet.
oidc-not-a-form = Die Anmeldeanfrage der Anwendung ist kein Formular.
oidc-unreadable = Die Anmeldeanfrage der Anwendung kann nicht gelesen werden.
oidc-no-client-id = Die Anmeldeanfrage der Anwendung nennt keine client_id. In ihren OpenID-Connect-Einstellungen fehlt die in passgate eingerichtete Client-ID.
oidc-client-twice = Die Anmeldeanfrage der Anwendung nennt ihren Client zweimal.
oidc-unknown-client = Die Anwendung, die Sie anmelden möchte, ist bei passgate nicht registriert (unbekannte client_id). Bitten Sie Ihre Administration, sie als [[oidc.client]] hinzuzufügen.
oidc-redirect-not-registered = { $app } wollte Sie an eine Adresse zurückschicken, die sie nicht registriert hat; passgate leitet Sie dorthin nicht weiter. Bitten Sie Ihre Administration, die redirect_uris des Clients zu prüfen.
oidc-not-for-you-title = { $app } ist nicht für Sie
oidc-not-for-you-message = Sie sind als { $who } angemeldet, und { $app } steht nur Mitgliedern von { $groups } offen.
oidc-not-for-you-next = Bitten Sie Ihre Administration um Zugang, wenn Sie ihn brauchen.
oidc-request-unusable = Diese Anmeldeanfrage kann nicht verwendet werden
oidc-request-unusable-next = Gehen Sie zurück zur Anwendung und versuchen Sie es erneut; wenn es wieder passiert, wenden Sie sich an Ihre Administration.
oidc-logout-unreadable = Die Abmeldeanfrage kann nicht gelesen werden.
oidc-logout-repeats = Die Abmeldeanfrage wiederholt einen Parameter.
oidc-logout-bad-hint = Die Anwendung hat einen id_token_hint gesendet, den passgate nicht ausgestellt hat.
oidc-logout-two-apps = Die Abmeldeanfrage nennt zwei verschiedene Anwendungen.
oidc-logout-unknown-app = Die Anwendung, die Sie abmelden möchte, ist bei passgate nicht registriert.
oidc-logout-bad-return = Die Anwendung wollte Sie nach der Abmeldung an eine Adresse schicken, die sie nicht registriert hat.
oidc-logout-unusable = Diese Abmeldeanfrage kann nicht verwendet werden
oidc-logout-unusable-next = Sie sind weiterhin angemeldet. Melden Sie sich auf Ihrer passgate-Kontoseite ab, wenn Sie möchten.

## The gate's own answers
gate-forbidden-title = Sie haben keinen Zugang
gate-forbidden-next = Wenn Sie Zugang brauchen, bitten Sie die Betreiber dieser Anwendung, Sie hinzuzufügen, oder melden Sie sich mit einem anderen Konto an.
gate-refusal-no-route = Diese Adresse ist in passgate nicht eingerichtet, daher kann niemand sie erreichen.
gate-refusal-deny = Diese Adresse ist für alle gesperrt.
gate-refusal-not-allowed = Ihr Konto gehört nicht zu denen, die diese Anwendung nutzen dürfen.
gate-bad-request-title = Diese Anfrage kann nicht bearbeitet werden
gate-check-address = Prüfen Sie die Adresse und versuchen Sie es erneut.
gate-timeout-title = Die Anwendung antwortet nicht
gate-timeout-message = Die Anwendung hinter dieser Adresse hat zu lange für eine Antwort gebraucht.
gate-timeout-next = Versuchen Sie es gleich erneut. Wenn es so bleibt, ist die Anwendung vielleicht überlastet oder hängt.
gate-not-forwarded-title = Diese Anfrage kann nicht weitergeleitet werden
gate-unreachable-title = Die Anwendung ist nicht erreichbar
gate-unreachable-message = Sie sind angemeldet, aber die Anwendung hinter dieser Adresse ist ausgefallen oder lehnt Verbindungen ab.
gate-unreachable-next = Versuchen Sie es gleich erneut. Wenn es so bleibt, wenden Sie sich an die Betreiber dieser Anwendung und nennen Sie die Referenz unten.
gate-method = Die Methode { $method } wird nicht an Anwendungen weitergegeben.
gate-no-upstream-title = Hier wird nichts bereitgestellt
gate-no-upstream-message = Diese Adresse ist für einen anderen Proxy geschützt; passgate selbst hat hier keine Anwendung.
gate-untrusted-title = Nicht erlaubt
gate-untrusted-message = Dieser Endpunkt antwortet nur den in der Konfiguration von passgate genannten Proxys.
gate-token-title = Dieses Token wird nicht akzeptiert
gate-token-next = Ein Skript oder CI-Job braucht ein gültiges Token für eine Regel mit tokens = true; die Betreiber von passgate können eines ausstellen (passgate token create oder rotate).

## What the pages' script says
js-error = Etwas ist schiefgegangen. Bitte versuchen Sie es erneut.
js-cancelled = Die Passkey-Anfrage wurde abgebrochen oder ist abgelaufen. Sie können es erneut versuchen.
js-cancelled-email = Die Passkey-Anfrage wurde abgebrochen oder ist abgelaufen. Versuchen Sie es erneut oder verwenden Sie die E-Mail.
js-already-on-device = Ein Passkey für dieses Konto ist bereits auf diesem Gerät.
js-security = Passkeys sind unter dieser Adresse nicht erlaubt. Bitten Sie die Betreiber dieser Website, die Einstellungen zu prüfen.
js-unsupported = Dieser Browser kann hier keine Passkeys verwenden. Melden Sie sich stattdessen per E-Mail an.
js-unsupported-create = Dieser Browser kann hier keine Passkeys erstellen.
js-signing-in = Sie werden angemeldet …
js-created = Passkey erstellt. Melden Sie sich beim nächsten Mal damit an.
js-server = Der Server antwortete mit

## Admin pages
admin-title = Verwaltung
admin-people = Personen
admin-not-admin-title = Das ist für Administratoren
admin-not-admin-message = Die Verwaltungsseiten stehen nur Mitgliedern der Gruppe admins offen.
page-not-navigated-title = Öffnen Sie diese Seite selbst
page-not-navigated-message = Das funktioniert nur, wenn Sie die Seite selbst öffnen und ihre Schaltflächen selbst drücken, nicht aus einem Skript, einem Rahmen oder einer anderen Seite heraus. Öffnen Sie die Seite erneut und versuchen Sie es noch einmal.
admin-bad-request-title = Diese Anfrage kann nicht bearbeitet werden
admin-bad-page = Diese Seite der Liste gibt es nicht.
admin-bad-search = Die Suche ist zu lang (höchstens 200 Zeichen).
admin-search-label = Nach Adresse oder Name suchen
admin-search = Suchen
admin-people-count = { $n ->
    [one] { $n } Person
   *[other] { $n } Personen
}
admin-badge-disabled = deaktiviert
admin-pages = Seiten der Liste
admin-previous = Zurück
admin-next = Weiter
admin-no-groups = In keiner Gruppe.
admin-enable = Aktivieren
admin-disable = Deaktivieren
admin-this-is-you = Das sind Sie: Hier können Sie sich weder deaktivieren noch löschen noch aus admins entfernen.
admin-no-passkeys = Keine Passkeys.
admin-sessions = Sitzungen
admin-no-sessions = Nirgends angemeldet.
admin-notice-disabled = Deaktiviert und überall abgemeldet.
admin-notice-enabled = Aktiviert. Die Person kann sich wieder anmelden.
admin-notice-signed-out = Überall abgemeldet.
admin-not-yourself-title = Das können Sie hier nicht mit sich selbst tun
admin-not-yourself-message = Wenn Sie sich selbst deaktivieren, löschen oder aus admins entfernen, sperren Sie sich aus den Verwaltungsseiten aus. Bitten Sie eine andere Administratorin oder einen anderen Administrator, oder verwenden Sie die Kommandozeile.
admin-no-such-person-title = Diese Person gibt es nicht
admin-no-such-person-message = Zu dieser ID gibt es niemanden; die Person wurde vielleicht gelöscht.
admin-last-admin-title = Dann gäbe es keine Administration mehr
admin-last-admin-message = Dann könnte niemand mehr die Verwaltungsseiten nutzen. Machen Sie zuerst jemand anderen zum Administrator.

## Admin: apps and keys
admin-system = Apps und Schlüssel
admin-oidc-clients = OpenID-Connect-Apps
admin-no-oidc-clients = Keine OpenID-Connect-App ist eingerichtet ([[oidc.client]] in der Konfigurationsdatei).
admin-client-public = öffentlich
admin-client-confidential = vertraulich
admin-client-grants = { $n ->
    [one] { $n } aktive Anmeldung
   *[other] { $n } aktive Anmeldungen
}
admin-keys = Signaturschlüssel
admin-keys-hint = Die Schlüssel, die Identitätsnachweise und OpenID-Connect-Tokens signieren. Beim Rotieren werden neue aktuell; die bisherigen bleiben einen Tag lang veröffentlicht.
admin-key-current = aktuell
admin-rotate-keys = Schlüssel rotieren
admin-notice-rotated = Neue Schlüssel sind aktuell. Die bisherigen bleiben einen Tag lang veröffentlicht.

## Admin: audit log
admin-audit = Prüfprotokoll
admin-audit-kind = Art (beginnt mit)
admin-audit-export-jsonl = Als JSON Lines exportieren
admin-audit-export-csv = Als CSV exportieren
admin-audit-none = Keine passenden Ereignisse.
admin-audit-failed = fehlgeschlagen
admin-bad-format = Exportiert wird als JSON Lines (format=jsonl) oder CSV (format=csv).

## Verwaltung: gemeinsam
admin-back = Zurück
admin-cancel = Abbrechen
admin-create = Anlegen
admin-add = Hinzufügen
admin-revoke = Widerrufen
admin-created = angelegt { $when }
admin-admins-group-title = Die Gruppe admins bleibt, wie sie ist
admin-admins-group-message = Die Gruppe admins umzubenennen oder zu löschen oder einer anderen Gruppe ihren Namen zu geben, würde ändern, wer verwalten darf. Fügen Sie stattdessen Mitglieder hinzu oder entfernen Sie welche.
admin-last-passkey-title = Das ist ihr einziger Weg, sich anzumelden
admin-last-passkey-message = Die Anmeldung per E-Mail ist ausgeschaltet; ohne diesen Passkey könnte sich die Person gar nicht mehr anmelden. Bitten Sie sie, zuerst einen weiteren Passkey hinzuzufügen, oder setzen Sie ihre Passkeys mit der Kommandozeile zurück (passgate user reset-passkeys) und laden Sie sie erneut ein.
admin-no-such-group-title = Diese Gruppe gibt es nicht
admin-no-such-group-message = Es gibt keine Gruppe mit diesem Namen; sie wurde vielleicht umbenannt oder gelöscht.
admin-no-such-invite-title = Diese Einladung gibt es nicht
admin-no-such-invite-message = Diese Einladung gibt es nicht mehr; sie wurde vielleicht widerrufen oder erneut gesendet.
admin-no-such-account-title = Dieses Dienstkonto gibt es nicht
admin-no-such-account-message = Es gibt kein Dienstkonto mit diesem Namen.
admin-no-such-item-title = Nicht gefunden
admin-no-such-item-message = Das Angefragte ist nicht da; es hat sich vielleicht geändert, seit die Seite geladen wurde. Laden Sie die Seite neu und versuchen Sie es noch einmal.
admin-bad-email = Geben Sie eine E-Mail-Adresse ein (höchstens 200 Zeichen).
admin-bad-group-name = Ein Gruppenname besteht aus 1 bis 64 Buchstaben, Ziffern, Bindestrichen, Unterstrichen oder Punkten.
admin-bad-name = Der Name ist zu lang (höchstens 100 Zeichen).
admin-bad-username = Ein Benutzername besteht aus 1 bis 64 Buchstaben, Ziffern, Bindestrichen, Unterstrichen oder Punkten (kein @: er darf nie wie die Adresse einer Person aussehen).

## Verwaltung: Personen
admin-invite-someone = Jemanden einladen
admin-username = Benutzername
admin-username-hint = Was Anwendungen als Remote-User erhalten. Leer lassen, um die E-Mail-Adresse zu verwenden.
admin-username-taken-title = Dieser Benutzername ist vergeben
admin-username-taken-message = Eine andere Person oder ein Dienstkonto hat ihn schon, und eine Anwendung könnte sie nicht unterscheiden. Wählen Sie einen anderen.
admin-notice-saved = Gespeichert.
admin-notice-session-ended = Auf diesem Gerät abgemeldet.
admin-notice-joined = Zur Gruppe hinzugefügt.
admin-notice-left = Aus der Gruppe entfernt.
admin-notice-passkey-removed = Passkey entfernt; die damit begonnenen Sitzungen sind beendet.
admin-groups-title = Gruppen
admin-join-label = Zu einer Gruppe hinzufügen
admin-join = Hinzufügen
admin-leave = Entfernen
admin-leave-named = Aus { $group } entfernen
admin-delete-person = Diese Person löschen
admin-delete-lead = Das Löschen von { $email } entfernt Konto, Passkeys, Sitzungen und Gruppenmitgliedschaften, überall und sofort. Das Prüfprotokoll behält, was die Person getan hat.
admin-delete-takes = Passkeys: { $passkeys }. Laufende Sitzungen: { $sessions }.
admin-delete-type = Geben Sie zur Bestätigung ihre E-Mail-Adresse ein
admin-delete-mismatch = Die eingegebene Adresse stimmt nicht überein. Es wurde nichts gelöscht.

## Verwaltung: Gruppen
admin-no-groups-yet = Es gibt noch keine Gruppen.
admin-members-count = { $n ->
    [one] { $n } Mitglied
   *[other] { $n } Mitglieder
}
admin-new-group = Neue Gruppe
admin-group-name = Name
admin-group-name-hint = Buchstaben, Ziffern, Bindestriche, Unterstriche und Punkte. Routen und Apps nennen Gruppen in der Konfigurationsdatei.
admin-group-exists-title = Diese Gruppe gibt es schon
admin-group-exists-message = Wählen Sie einen anderen Namen oder öffnen Sie die vorhandene Gruppe.
admin-notice-group-created = Gruppe angelegt.
admin-notice-group-renamed = Gruppe umbenannt.
admin-notice-group-deleted = Gruppe gelöscht.
admin-admins-group-hint = Mitglieder von admins können diese Seiten nutzen. Es bleibt immer mindestens ein aktives Mitglied, und Sie können sich hier nicht selbst entfernen.
admin-add-member-label = Person per E-Mail-Adresse hinzufügen
admin-remove-member-named = { $email } entfernen
admin-group-change = Umbenennen oder löschen
admin-group-unused = Weder die Konfiguration noch ein Dienstkonto verwendet diese Gruppe.
admin-group-used-by = Die Konfiguration oder ein Dienstkonto verwendet diese Gruppe. Umbenennen oder Löschen ändert, wer dort hineinkommt, bis auch die Konfiguration geändert ist:
admin-rename-to = Neuer Name
admin-group-delete-type = Geben Sie { $group } ein, um die Gruppe zu löschen
admin-delete-group = Gruppe löschen
admin-group-delete-mismatch = Der eingegebene Name stimmt nicht überein. Die Gruppe wurde nicht gelöscht.

## Verwaltung: Einladungen
admin-invites = Einladungen
admin-no-invites = Noch keine Einladungen.
admin-invite-pending = offen
admin-invite-used = angenommen
admin-invite-expired = abgelaufen
admin-invite-used-at = angenommen { $when }
admin-invite-expired-at = abgelaufen { $when }
admin-invite-expires-at = gültig bis { $date }
admin-by = von { $who }
admin-resend = Erneut senden
admin-resend-named = Einladung an { $email } erneut senden
admin-revoke-named = { $email } widerrufen
admin-invite-groups = Gruppen
admin-invite-groups-hint = Gruppen durch Kommas trennen; neue werden angelegt.
admin-invite-groups-known = Gruppen durch Kommas trennen. Vorhandene Gruppen: { $groups }
admin-invite-days = Gültig für (Tage)
admin-invite-send = Einladen
admin-bad-days = Eine Einladung gilt 1 bis 90 Tage.
admin-has-account-title = Diese Person hat schon ein Konto
admin-has-account-message = Fügen Sie sie stattdessen auf ihrer Seite Gruppen hinzu; sie meldet sich wie gewohnt an.
admin-invite-used-title = Diese Einladung wurde angenommen
admin-invite-used-message = Sie kann weder widerrufen noch erneut gesendet werden; verwalten Sie stattdessen das Konto der Person.
admin-notice-invite-revoked = Einladung widerrufen: Ihr Link funktioniert nicht mehr.
admin-invited-title = Einladung erstellt
admin-invited-sent = Eine E-Mail mit dem Link ist an { $email } unterwegs.
admin-invited-not-sent = Die E-Mail an { $email } konnte nicht gesendet werden. Geben Sie den Link selbst weiter.
admin-invited-link = Einladungslink
admin-invited-once = { $n ->
    [one] Der Link wird nur dieses eine Mal angezeigt und funktioniert { $n } Tag lang, einmal.
   *[other] Der Link wird nur dieses eine Mal angezeigt und funktioniert { $n } Tage lang, einmal.
}

## Verwaltung: Diensttokens
admin-tokens = Diensttokens
admin-tokens-lead = Mit Dienstkonten rufen CI-Jobs und Skripte Routen mit tokens = true auf, ohne Browser.
admin-no-tokens = Noch keine Dienstkonten.
admin-token-none-valid = kein gültiges Token
admin-tokens-valid = { $n ->
    [one] { $n } gültiges Token
   *[other] { $n } gültige Tokens
}
admin-token-expires = gültig bis { $date }
admin-token-never-expires = gültig bis zum Widerruf
admin-rotate = Rotieren
admin-rotate-named = Token von { $name } rotieren
admin-rotate-hint = Rotieren stellt ein neues Token aus; die älteren funktionieren noch 24 Stunden und enden dann. Widerrufen beendet alle Tokens sofort.
admin-new-token = Neues Dienstkonto
admin-token-name = Name
admin-token-name-hint = Der Name ist, was Anwendungen als Remote-User erhalten: Buchstaben, Ziffern, Bindestriche, Unterstriche und Punkte.
admin-token-groups-hint = Gruppen durch Kommas trennen.
admin-token-days-hint = 0 heißt: bis zum Widerruf.
admin-token-days = Gültig für (Tage)
admin-bad-token-days = Ein Token gilt 0 (bis zum Widerruf) bis 3650 Tage.
admin-bad-account-name = Ein Dienstkontoname besteht aus 1 bis 64 Buchstaben, Ziffern, Bindestrichen, Unterstrichen oder Punkten und beginnt mit einem Buchstaben oder einer Ziffer.
admin-bad-overlap = Die Überlappung beträgt 0 bis 720 Stunden.
admin-account-taken-title = Dieser Name ist vergeben
admin-account-taken-message = Ein Dienstkonto oder der Benutzername einer Person hat ihn schon, und eine Anwendung könnte sie nicht unterscheiden. Wählen Sie einen anderen Namen.
admin-notice-tokens-revoked = Alle Tokens des Kontos sind widerrufen.
admin-notice-account-disabled = Konto deaktiviert: Seine Tokens funktionieren nicht, bis es wieder aktiviert ist.
admin-notice-account-enabled = Konto aktiviert.
admin-token-shown-title = Kopieren Sie dieses Token jetzt
admin-token-shown-lead = Das neue Token von { $name }:
admin-token-label = Token
admin-token-shown-once = Es wird nur dieses eine Mal angezeigt: Legen Sie es jetzt in den Geheimnissen Ihrer CI ab. passgate speichert nur einen Hash davon.
admin-token-usage = Senden Sie es als Authorization: Bearer oder in X-Passgate-Token.

## Verwaltung: Aktivität
admin-activity = Aktivität
admin-activity-span = Zeitraum
admin-activity-days = { $n ->
    [one] Letzter Tag
   *[other] Letzte { $n } Tage
}
admin-activity-summary = In den letzten { $days } Tagen: { $signins } Anmeldungen ({ $passkey } mit Passkey, { $email } per E-Mail), { $failed } fehlgeschlagene Anmeldungen und { $lockouts } Sperren.
admin-activity-passkey = Anmeldungen mit Passkey
admin-activity-email = Anmeldungen per E-Mail
admin-activity-failed = Fehlgeschlagene Anmeldungen
admin-activity-lockouts = Sperren
admin-activity-numbers = Die Zahlen, Tag für Tag
admin-activity-day = Tag (UTC)
admin-bad-days-choice = Der Zeitraum beträgt 7, 30 oder 90 Tage.

## Verwaltung: Prüfprotokoll (Zeit)
admin-audit-since = Seit
admin-audit-since-hint = Seit: eine Zeitspanne wie 24h oder 7d, oder ein Datum wie 2026-11-01 (UTC).
admin-bad-since = „Seit“ ist eine Zeitspanne wie 24h oder 7d oder ein Datum wie 2026-11-01.
