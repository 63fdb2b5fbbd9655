## The frame of every page
page-skip = Aller au contenu
page-footer = Protégé par { $brand }
page-reference = réf.
page-languages = Langue
common-or = ou
common-email-link-button = Recevoir un lien par e-mail
common-someone-else = Se connecter avec un autre compte
common-signed-in-as = Connecté en tant que { $who }.

## Relative times
time-seconds = { $n ->
    [one] { $n } seconde
   *[other] { $n } secondes
}
time-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
time-hours = { $n ->
    [one] { $n } heure
   *[other] { $n } heures
}
time-days = { $n ->
    [one] { $n } jour
   *[other] { $n } jours
}

## The sign-in page
login-title = Connexion
login-heading = Se connecter à { $brand }
login-lead = Utilisez une clé d'accès, ou recevez un lien de connexion par e-mail.
login-lead-passkey-only = Connectez-vous avec votre clé d'accès.
login-passkey-button = Se connecter avec une clé d'accès
login-noscript = Les clés d'accès nécessitent JavaScript ; le lien par e-mail fonctionne sans.
login-email-label = Adresse e-mail
login-email-hint = Nous vous enverrons un lien et un code. Votre clé d'accès peut aussi vous être proposée ici.
login-have-code = J'ai un code reçu par e-mail
login-signed-out = Vous avez été déconnecté.
login-session-ended = Votre session a pris fin. Veuillez vous reconnecter.

## Step-up ("Confirm it's you")
step-up-title = Confirmez votre identité
step-up-this-app = Cette application
step-up-reason = Confirmez votre identité pour continuer vers { $app }.
step-up-reason-passkey = { $app } n'accepte que les connexions par clé d'accès, et vous vous êtes connecté par e-mail cette fois.
step-up-reason-max-age = { $app } demande une connexion récente : la vôtre date de { $age }, et seules les connexions des dernières { $max } sont acceptées.
step-up-passkey-button = Confirmer avec une clé d'accès
step-up-noscript = Les clés d'accès nécessitent JavaScript.
step-up-no-passkey = Votre compte n'a pas encore de clé d'accès. Créez-en une sur cet appareil — avec votre empreinte, votre visage ou le verrouillage de l'écran — puis confirmez avec elle.
step-up-create-passkey = Créer une clé d'accès

## Signing out
logout-title = Déconnexion
logout-heading = Se déconnecter ?
logout-signed-in-as = Vous êtes connecté en tant que { $who }.
logout-not-signed-in = Vous n'êtes pas connecté.
logout-button = Se déconnecter
end-session-named = { $app } demande à vous déconnecter de passgate. Cela met fin à votre connexion ici et dans chaque application qui l'utilise dans ce navigateur.
end-session-unnamed = Une application demande à vous déconnecter de passgate. Cela met fin à votre connexion ici et dans chaque application qui l'utilise dans ce navigateur.
common-continue = Continuer

## Email sign-in
email-sent-title = Consultez vos e-mails
email-sent-lead = Si { $email } peut se connecter ici, un message avec un lien de connexion et un code est en route. Il expire dans { $minutes } minutes.
email-sent-how = Ouvrez le lien dans ce navigateur, ou saisissez le code ci-dessous — le code fonctionne aussi sur un autre appareil.
email-code-from-email = Code reçu par e-mail
email-sent-other-address = Utiliser une autre adresse
email-confirm-title = Confirmer la connexion
email-confirm-new-heading = Terminer l'inscription
email-confirm-new-lead = Créez votre compte pour { $email }.
email-confirm-lead = Se connecter en tant que { $email }.
email-confirm-create = Créer mon compte
email-confirm-why = Cette étape supplémentaire empêche les analyseurs d'e-mails d'utiliser votre lien.
email-code-title = Saisir votre code
email-code-heading = Saisissez le code reçu par e-mail
email-code-lead = Sur n'importe quel appareil : le code fonctionne même là où le lien ne fonctionne pas.
email-code-label = Code
email-code-back = Retour à la connexion

## The passkey offer after an email sign-in
offer-welcome-title = Bienvenue
offer-title = Ajouter une clé d'accès
offer-welcome-heading = Votre compte est prêt
offer-heading = Connectez-vous plus vite la prochaine fois
offer-welcome-lead = Créez une clé d'accès pour vous connecter la prochaine fois avec votre empreinte, votre visage ou le verrouillage de l'écran — sans e-mail.
offer-lead = Vous vous êtes connecté par e-mail. Créez une clé d'accès sur cet appareil pour vous connecter d'une simple touche la prochaine fois.
offer-skip = Passer pour l'instant
offer-not-now = Pas maintenant
offer-hint = Vous pouvez ajouter ou supprimer des clés d'accès à tout moment depuis la page de votre compte.
offer-hint-email = Vous pouvez ajouter ou supprimer des clés d'accès à tout moment depuis la page de votre compte, et vous pouvez toujours vous connecter par e-mail.

## Invitations
invite-title = Accepter l'invitation
invite-heading = Vous êtes invité
invite-lead = Créez votre compte { $brand } pour { $email }.
invite-groups = Vous rejoindrez : { $groups }.
invite-accept = Accepter et continuer
invite-added-title = Vous avez été ajouté aux groupes
invite-added-message = { $email } fait désormais partie de : { $groups }. Connectez-vous comme d’habitude pour continuer.

## Email sign-in refusals
email-too-many-title = Trop de tentatives
email-try-again-in-minutes = { $n ->
    [one] Réessayez dans { $n } minute.
   *[other] Réessayez dans { $n } minutes.
}
email-too-many-next = Si vous avez déjà reçu un message, son lien et son code fonctionnent toujours.
email-turned-off = La connexion par e-mail est désactivée ici. Utilisez une clé d'accès.
email-enter-address = Saisissez votre adresse e-mail, par exemple nom@example.com.
email-too-many-network = Trop d'e-mails de connexion ont été demandés depuis votre réseau.
email-too-many-address = Trop d'e-mails de connexion ont été demandés pour cette adresse.
email-link-expired-title = Ce lien a expiré
email-link-expired-message = Les liens de connexion ne fonctionnent qu'une fois et peu de temps. Celui-ci a déjà servi ou est trop ancien.
email-link-expired-next = Demandez un nouveau lien sur la page de connexion.
email-link-expired-action = Obtenir un nouveau lien
email-other-browser = Ce lien a été ouvert dans un autre navigateur que celui qui l'a demandé, il ne peut donc pas vous connecter ici. Saisissez plutôt le code du même e-mail — il fonctionne sur tout appareil.
email-code-enter-both = Saisissez votre adresse e-mail et le code à six chiffres reçu par e-mail.
email-code-too-many-network = Trop de codes ont été saisis depuis votre réseau.
email-code-paused = Les codes sont suspendus pour cette adresse pendant une journée, car plusieurs codes erronés ont été saisis. Utilisez le lien de votre dernier e-mail, dans le navigateur où vous l'avez demandé.
email-code-wrong-or-expired = Ce code est incorrect ou a expiré. Demandez un nouvel e-mail.
email-code-wrong-last = Ce code est incorrect. C'était le dernier essai : demandez un nouvel e-mail.
email-code-wrong-left = { $n ->
    [one] Ce code est incorrect. Encore { $n } essai.
   *[other] Ce code est incorrect. Encore { $n } essais.
}
email-cannot-create-title = Ce compte ne peut pas être créé
email-cannot-create-next = Essayez de vous reconnecter.
email-not-allowed-title = Vous ne pouvez pas vous connecter ici
email-not-allowed-message = Ce compte est désactivé, ou l'inscription n'est pas ouverte à cette adresse.
email-not-allowed-next = Si vous pensez qu'il s'agit d'une erreur, contactez les responsables de ce service.

## Errors any page may show
error-unavailable-title = La connexion est momentanément indisponible
error-unavailable-message = passgate ne parvient pas à joindre sa base de données pour le moment.
error-unavailable-next = Réessayez dans une minute. Si cela persiste, prévenez les responsables de ce service en citant la référence ci-dessous.
error-internal-title = Une erreur s'est produite
error-internal-message = passgate n'a pas pu terminer cette requête.
error-internal-next = Réessayez. Si cela persiste, prévenez les responsables de ce service en citant la référence ci-dessous.
error-try-again = Réessayer
forged-title = Ce formulaire n'a pas pu être accepté
forged-action = Aller à la connexion
forged-origin = Ce formulaire a été envoyé depuis un autre site, il n'a donc pas été accepté. Revenez à la page de connexion et réessayez.
forged-token = Cette page avait expiré (ou les cookies sont bloqués), le formulaire n'a donc pas été accepté. Rechargez la page et réessayez.

## Times ago
time-just-now = à l'instant
time-minutes-ago = { $n ->
    [one] il y a { $n } minute
   *[other] il y a { $n } minutes
}
time-hours-ago = { $n ->
    [one] il y a { $n } heure
   *[other] il y a { $n } heures
}
time-days-ago = { $n ->
    [one] il y a { $n } jour
   *[other] il y a { $n } jours
}

## The account page
account-title = Votre compte
account-badge-admin = admin
account-display-name = Nom affiché
account-save = Enregistrer
account-passkeys = Clés d'accès
account-no-passkeys = Vous n'avez pas encore de clé d'accès. Une clé d'accès vous connecte d'une simple touche.
account-no-passkeys-email = Vous n'avez pas encore de clé d'accès. Vous vous connectez par e-mail ; une clé d'accès vous connecte d'une simple touche.
account-badge-synced = synchronisée
account-badge-device = cet appareil seulement
account-badge-this-session = utilisée pour cette session
account-added = ajoutée { $when }
account-last-used = dernière utilisation { $when }
account-never-used = jamais utilisée
account-new-name = Nouveau nom
account-name-for = Nom pour { $name }
account-rename = Renommer
account-only-way = Votre seul moyen de connexion : ajoutez d'abord une autre clé d'accès
account-remove-named = Supprimer { $name }
account-remove = Supprimer
account-sessions = Où vous êtes connecté
account-badge-this-browser = ce navigateur
account-signed-in = connecté { $when }
account-last-seen = vu pour la dernière fois { $when }
account-sign-out-device = Se déconnecter de { $device }
account-sign-out-everywhere = Se déconnecter partout
account-unknown-address = adresse inconnue
account-method-passkey = clé d'accès
account-method-email = e-mail
account-notice-added = Clé d'accès ajoutée. Vous pourrez l'utiliser à la prochaine connexion.
account-notice-renamed = Clé d'accès renommée.
account-notice-removed = Clé d'accès supprimée. Votre appareil peut encore l'afficher jusqu'à ce qu'il l'oublie.
account-notice-revoked = Cette session a été déconnectée.
account-notice-saved = Enregistré.
account-notice-last-passkey = C'est votre seul moyen de connexion (la connexion par e-mail est désactivée ici). Ajoutez d'abord une autre clé d'accès.
account-notice-bad-name = Les noms doivent comporter de 1 à 60 caractères.
passkeys-sign-in-again = Pour modifier vos clés d'accès, confirmez d'abord votre identité : votre connexion date de plus de dix minutes.
passkeys-passkey-needed = Votre compte a une clé d'accès : connectez-vous avec elle pour ajouter ou supprimer des clés d'accès. Perdue ? Demandez à un administrateur de réinitialiser vos clés d'accès, puis connectez-vous par e-mail et ajoutez-en une nouvelle.

## Emails
email-msg-signup-subject = Terminez votre inscription à { $brand }
email-msg-signup-lead = Confirmez votre adresse pour terminer votre inscription à { $brand }.
email-msg-signup-action = Confirmer et continuer
email-msg-signin-subject = Votre lien de connexion à { $brand }
email-msg-signin-lead = Utilisez ce lien pour vous connecter à { $brand }.
email-msg-code = Ou saisissez ce code sur la page de connexion :
email-msg-expiry-both = { $n ->
    [one] Le lien et le code ne servent qu'une fois et expirent dans { $n } minute. Le lien fonctionne dans le navigateur où vous l'avez demandé ; le code fonctionne partout.
   *[other] Le lien et le code ne servent qu'une fois et expirent dans { $n } minutes. Le lien fonctionne dans le navigateur où vous l'avez demandé ; le code fonctionne partout.
}
email-msg-expiry-link = { $n ->
    [one] Le lien ne sert qu'une fois, dans le navigateur où vous l'avez demandé, et expire dans { $n } minute. Les codes de connexion sont suspendus pour cette adresse pendant une journée, car plusieurs codes erronés ont été saisis.
   *[other] Le lien ne sert qu'une fois, dans le navigateur où vous l'avez demandé, et expire dans { $n } minutes. Les codes de connexion sont suspendus pour cette adresse pendant une journée, car plusieurs codes erronés ont été saisis.
}
email-msg-ignore = Si vous n'avez rien demandé, vous pouvez ignorer ce message.
email-invite-subject = Vous êtes invité à { $brand }
email-invite-lead = Vous avez été invité à { $brand }.
email-invite-action = Accepter l'invitation
email-invite-expiry = { $n ->
    [one] Le lien ne sert qu'une fois et expire dans { $n } jour. Il vous sera ensuite demandé de créer une clé d'accès.
   *[other] Le lien ne sert qu'une fois et expire dans { $n } jours. Il vous sera ensuite demandé de créer une clé d'accès.
}

## Invitations, refused
invite-expired-title = Cette invitation a expiré
invite-expired-message = Les invitations ne servent qu'une fois et pour une durée limitée. Celle-ci a déjà servi ou est trop ancienne.
invite-expired-next = Demandez-en une nouvelle à la personne qui vous a invité. Si vous l'avez déjà acceptée, connectez-vous.
invite-expired-short = Elle a déjà servi ou est trop ancienne.
invite-expired-next-short = Demandez une nouvelle invitation, ou connectez-vous si vous avez déjà un compte.
invite-account-disabled = Ce compte est désactivé.
invite-already-used = Elle a déjà servi.
invite-cannot-use = Cette invitation ne peut pas être utilisée

## Other answers
misc-not-signed-in-title = Non connecté
misc-not-signed-in-message = Cette requête n'appartient à aucune session connectée.
misc-not-found-title = Page introuvable
misc-not-found-message = Il n'y a rien à cette adresse.

## Passkey ceremonies
passkey-too-many = { $n ->
    [one] Trop de tentatives de clé d'accès depuis votre réseau. Réessayez dans { $n } seconde.
   *[other] Trop de tentatives de clé d'accès depuis votre réseau. Réessayez dans { $n } secondes.
}
passkey-unreadable = La réponse de la clé d'accès n'a pas pu être lue. Veuillez réessayer.
passkey-unknown = Cette clé d'accès n'est plus enregistrée ici. Elle a été retirée des suggestions de cet appareil lorsque le navigateur le permet ; connectez-vous autrement.
passkey-account-disabled = Ce compte est désactivé. Contactez les responsables de ce service.
passkey-session-ended = Votre session a pris fin. Reconnectez-vous pour ajouter une clé d'accès.
passkey-account-gone = Votre compte n'existe plus.
passkey-already-registered = Cette clé d'accès est déjà enregistrée.
passkey-error = { $reason }. Réessayez ou connectez-vous par e-mail.
passkey-error-expired = Cette demande de clé d'accès a expiré ou a déjà servi ; veuillez réessayer
passkey-error-unknown = Cette clé d'accès n'est pas enregistrée ici
passkey-error-mismatch = La clé d'accès ne correspond pas à son compte
passkey-error-cloned = Le compteur de signatures de cette clé d'accès a reculé, ce qui suggère un authentificateur cloné ; elle a été refusée
passkey-error-not-verified = Votre authentificateur ne vous a pas vérifié (code PIN ou biométrie) ; ce site l'exige
passkey-error-not-discoverable = La clé d'accès doit être stockée sur l'authentificateur (identifiant détectable) pour que vous puissiez vous connecter sans nom d'utilisateur
passkey-error-invalid = La réponse de la clé d'accès n'était pas valide
passkey-error-cross-origin = Cette réponse de clé d'accès provient d'une page intégrée dans un autre site ; connectez-vous directement sur la page de connexion

## OpenID Connect pages
oidc-not-enabled = passgate n'est pas configuré comme fournisseur OpenID ici.
oidc-not-a-form = La demande de connexion de l'application n'est pas un formulaire.
oidc-unreadable = La demande de connexion de l'application ne peut pas être lue.
oidc-no-client-id = La demande de connexion de l'application ne comporte pas de client_id. Ses réglages OpenID Connect doivent indiquer l'identifiant de client configuré dans passgate.
oidc-client-twice = La demande de connexion de l'application indique son client deux fois.
oidc-unknown-client = L'application qui vous demande de vous connecter n'est pas enregistrée dans passgate (client_id inconnu). Demandez à votre administrateur de l'ajouter comme [[oidc.client]].
oidc-redirect-not-registered = { $app } a demandé à vous renvoyer vers une adresse qu'elle n'a pas enregistrée ; passgate ne vous y enverra pas. Demandez à votre administrateur de vérifier les redirect_uris du client.
oidc-not-for-you-title = { $app } ne vous est pas ouvert
oidc-not-for-you-message = Vous êtes connecté en tant que { $who }, et { $app } n'est ouvert qu'aux membres de { $groups }.
oidc-not-for-you-next = Demandez l'accès à votre administrateur si vous en avez besoin.
oidc-request-unusable = Cette demande de connexion ne peut pas être utilisée
oidc-request-unusable-next = Revenez à l'application et réessayez ; si cela se reproduit, prévenez votre administrateur.
oidc-logout-unreadable = La demande de déconnexion ne peut pas être lue.
oidc-logout-repeats = La demande de déconnexion répète un paramètre.
oidc-logout-bad-hint = L'application a envoyé un id_token_hint que passgate n'a pas émis.
oidc-logout-two-apps = La demande de déconnexion désigne deux applications différentes.
oidc-logout-unknown-app = L'application qui demande à vous déconnecter n'est pas enregistrée dans passgate.
oidc-logout-bad-return = L'application a demandé à vous envoyer, après la déconnexion, vers une adresse qu'elle n'a pas enregistrée.
oidc-logout-unusable = Cette demande de déconnexion ne peut pas être utilisée
oidc-logout-unusable-next = Vous êtes toujours connecté. Déconnectez-vous depuis la page de votre compte passgate si vous le souhaitez.

## The gate's own answers
gate-forbidden-title = Vous n'avez pas accès
gate-forbidden-next = Si vous avez besoin d'un accès, demandez aux responsables de cette application de vous ajouter, ou connectez-vous avec un autre compte.
gate-refusal-no-route = Cette adresse n'est pas configurée dans passgate, personne ne peut donc l'atteindre.
gate-refusal-deny = Cette adresse est fermée à tous.
gate-refusal-not-allowed = Votre compte ne fait pas partie de ceux autorisés à utiliser cette application.
gate-bad-request-title = Cette requête ne peut pas être traitée
gate-check-address = Vérifiez l'adresse et réessayez.
gate-timeout-title = L'application ne répond pas
gate-timeout-message = L'application derrière cette adresse a mis trop de temps à répondre.
gate-timeout-next = Réessayez dans un instant. Si cela persiste, l'application est peut-être surchargée ou bloquée.
gate-not-forwarded-title = Cette requête ne peut pas être transmise
gate-unreachable-title = L'application est injoignable
gate-unreachable-message = Vous êtes connecté, mais l'application derrière cette adresse est arrêtée ou refuse les connexions.
gate-unreachable-next = Réessayez dans un instant. Si cela persiste, prévenez les responsables de cette application en citant la référence ci-dessous.
gate-method = La méthode { $method } n'est pas transmise aux applications.
gate-no-upstream-title = Rien n'est servi ici
gate-no-upstream-message = Cette adresse est protégée pour être servie par un autre proxy ; passgate lui-même n'a pas d'application pour elle.
gate-untrusted-title = Non autorisé
gate-untrusted-message = Ce point d'accès ne répond qu'aux proxys listés dans la configuration de passgate.
gate-token-title = Ce jeton n'est pas accepté
gate-token-next = Un script ou une tâche CI a besoin d'un jeton valide pour une règle avec tokens = true ; les responsables de passgate peuvent en émettre un (passgate token create, ou rotate).

## What the pages' script says
js-error = Une erreur s'est produite. Veuillez réessayer.
js-cancelled = La demande de clé d'accès a été annulée ou a expiré. Vous pouvez réessayer.
js-cancelled-email = La demande de clé d'accès a été annulée ou a expiré. Vous pouvez réessayer, ou utiliser l'e-mail.
js-already-on-device = Une clé d'accès pour ce compte se trouve déjà sur cet appareil.
js-security = Les clés d'accès ne sont pas autorisées à cette adresse. Demandez aux responsables de ce site de vérifier ses réglages.
js-unsupported = Ce navigateur ne peut pas utiliser de clés d'accès ici. Connectez-vous plutôt par e-mail.
js-unsupported-create = Ce navigateur ne peut pas créer de clés d'accès ici.
js-signing-in = Connexion en cours…
js-created = Clé d'accès créée. La prochaine fois, connectez-vous avec elle.
js-server = Le serveur a répondu

## Admin pages
admin-title = Administration des comptes
admin-people = Personnes
admin-not-admin-title = Réservé aux administrateurs
admin-not-admin-message = Les pages d'administration sont réservées aux membres du groupe admins.
page-not-navigated-title = Ouvrez cette page vous-même
page-not-navigated-message = Cela ne fonctionne que si vous ouvrez la page et appuyez vous-même sur ses boutons, pas depuis un script, un cadre ou une autre page. Rouvrez la page et réessayez.
admin-bad-request-title = Cette requête ne peut pas être traitée
admin-bad-page = Cette page de la liste n'existe pas.
admin-bad-search = La recherche est trop longue (200 caractères au plus).
admin-search-label = Rechercher par adresse ou par nom
admin-search = Rechercher
admin-people-count = { $n ->
    [one] { $n } personne
   *[other] { $n } personnes
}
admin-badge-disabled = désactivé
admin-pages = Pages de la liste
admin-previous = Précédent
admin-next = Suivant
admin-no-groups = Dans aucun groupe.
admin-enable = Activer
admin-disable = Désactiver
admin-this-is-you = C’est vous : ici, vous ne pouvez ni vous désactiver, ni vous supprimer, ni vous retirer d’admins.
admin-no-passkeys = Aucune clé d'accès.
admin-sessions = Sessions
admin-no-sessions = Connecté nulle part.
admin-notice-disabled = Désactivé, et déconnecté partout.
admin-notice-enabled = Activé. La personne peut se reconnecter.
admin-notice-signed-out = Déconnecté partout.
admin-not-yourself-title = Vous ne pouvez pas faire cela à vous-même ici
admin-not-yourself-message = Vous désactiver, vous supprimer ou vous retirer d’admins vous fermerait les pages d’administration. Demandez à un autre administrateur, ou utilisez la ligne de commande.
admin-no-such-person-title = Personne introuvable
admin-no-such-person-message = Personne n'a cet identifiant ; la personne a peut-être été supprimée.
admin-last-admin-title = Il ne resterait plus d’administrateur
admin-last-admin-message = Personne ne pourrait plus utiliser les pages d’administration. Faites d’abord de quelqu’un d’autre un administrateur.

## Admin: apps and keys
admin-system = Applications et clés
admin-oidc-clients = Applications OpenID Connect
admin-no-oidc-clients = Aucune application OpenID Connect n'est configurée ([[oidc.client]] dans le fichier de configuration).
admin-client-public = publique
admin-client-confidential = confidentielle
admin-client-grants = { $n ->
    [one] { $n } connexion active
   *[other] { $n } connexions actives
}
admin-keys = Clés de signature
admin-keys-hint = Les clés qui signent les assertions d'identité et les jetons OpenID Connect. Une rotation en rend de nouvelles actives ; les précédentes restent publiées pendant une journée.
admin-key-current = active
admin-rotate-keys = Renouveler les clés
admin-notice-rotated = De nouvelles clés sont actives. Les précédentes restent publiées pendant une journée.

## Admin: audit log
admin-audit = Journal d'audit
admin-audit-kind = Type (commence par)
admin-audit-export-jsonl = Exporter en JSON Lines
admin-audit-export-csv = Exporter en CSV
admin-audit-none = Aucun événement ne correspond.
admin-audit-failed = échec
admin-bad-format = L'export se fait en JSON Lines (format=jsonl) ou en CSV (format=csv).

## Administration : commun
admin-back = Retour
admin-cancel = Annuler
admin-create = Créer
admin-add = Ajouter
admin-revoke = Révoquer
admin-created = créé { $when }
admin-admins-group-title = Le groupe admins reste tel quel
admin-admins-group-message = Renommer ou supprimer le groupe admins, ou donner son nom à un autre groupe, changerait qui peut administrer. Ajoutez ou retirez plutôt ses membres.
admin-last-passkey-title = C’est sa seule façon de se connecter
admin-last-passkey-message = La connexion par e-mail est désactivée : sans cette passkey, la personne ne pourrait plus se connecter du tout. Demandez-lui d’abord d’ajouter une autre passkey, ou réinitialisez ses passkeys en ligne de commande (passgate user reset-passkeys) et invitez-la de nouveau.
admin-no-such-group-title = Ce groupe n’existe pas
admin-no-such-group-message = Aucun groupe ne porte ce nom ; il a peut-être été renommé ou supprimé.
admin-no-such-invite-title = Cette invitation n’existe pas
admin-no-such-invite-message = Cette invitation n’existe plus ; elle a peut-être été révoquée ou renvoyée.
admin-no-such-account-title = Ce compte de service n’existe pas
admin-no-such-account-message = Aucun compte de service ne porte ce nom.
admin-no-such-item-title = Introuvable
admin-no-such-item-message = Ce qui était demandé n’est pas là ; cela a peut-être changé depuis le chargement de la page. Rechargez la page et réessayez.
admin-bad-email = Saisissez une adresse e-mail (200 caractères au plus).
admin-bad-group-name = Un nom de groupe compte de 1 à 64 lettres, chiffres, tirets, tirets bas ou points.
admin-bad-name = Le nom est trop long (100 caractères au plus).
admin-bad-username = Un nom d’utilisateur compte de 1 à 64 lettres, chiffres, tirets, tirets bas ou points (pas de @ : il ne doit jamais se lire comme l’adresse de quelqu’un).

## Administration : personnes
admin-invite-someone = Inviter quelqu’un
admin-username = Nom d’utilisateur
admin-username-hint = Ce que les applications reçoivent comme Remote-User. Laissez vide pour utiliser l’adresse e-mail.
admin-username-taken-title = Ce nom d’utilisateur est pris
admin-username-taken-message = Une autre personne ou un compte de service l’a déjà, et une application ne pourrait pas les distinguer. Choisissez-en un autre.
admin-notice-saved = Enregistré.
admin-notice-session-ended = Déconnecté sur cet appareil.
admin-notice-joined = Ajouté au groupe.
admin-notice-left = Retiré du groupe.
admin-notice-passkey-removed = Passkey supprimée ; les sessions ouvertes avec elle sont terminées.
admin-groups-title = Groupes
admin-join-label = Ajouter à un groupe
admin-join = Ajouter
admin-leave = Retirer
admin-leave-named = Retirer de { $group }
admin-delete-person = Supprimer cette personne
admin-delete-lead = Supprimer { $email } retire son compte, ses passkeys, ses sessions et ses groupes, partout et immédiatement. Le journal d’audit garde ce que la personne a fait.
admin-delete-takes = Passkeys : { $passkeys }. Sessions en cours : { $sessions }.
admin-delete-type = Saisissez son adresse e-mail pour confirmer
admin-delete-mismatch = L’adresse saisie ne correspond pas. Rien n’a été supprimé.

## Administration : groupes
admin-no-groups-yet = Il n’y a pas encore de groupe.
admin-members-count = { $n ->
    [one] { $n } membre
   *[other] { $n } membres
}
admin-new-group = Nouveau groupe
admin-group-name = Nom
admin-group-name-hint = Lettres, chiffres, tirets, tirets bas et points. Les routes et les applications nomment les groupes dans le fichier de configuration.
admin-group-exists-title = Ce groupe existe déjà
admin-group-exists-message = Choisissez un autre nom, ou ouvrez le groupe existant.
admin-notice-group-created = Groupe créé.
admin-notice-group-renamed = Groupe renommé.
admin-notice-group-deleted = Groupe supprimé.
admin-admins-group-hint = Les membres d’admins peuvent utiliser ces pages. Il reste toujours au moins un membre actif, et vous ne pouvez pas vous retirer vous-même ici.
admin-add-member-label = Ajouter une personne par son adresse e-mail
admin-remove-member-named = Retirer { $email }
admin-group-change = Renommer ou supprimer
admin-group-unused = Ni la configuration ni un compte de service n’utilise ce groupe.
admin-group-used-by = La configuration ou un compte de service utilise ce groupe. Le renommer ou le supprimer change qui y entre, jusqu’à ce que la configuration change aussi :
admin-rename-to = Nouveau nom
admin-group-delete-type = Saisissez { $group } pour le supprimer
admin-delete-group = Supprimer le groupe
admin-group-delete-mismatch = Le nom saisi ne correspond pas. Le groupe n’a pas été supprimé.

## Administration : invitations
admin-invites = Invitations
admin-no-invites = Pas encore d’invitation.
admin-invite-pending = en attente
admin-invite-used = acceptée
admin-invite-expired = expirée
admin-invite-used-at = acceptée { $when }
admin-invite-expired-at = expirée { $when }
admin-invite-expires-at = valable jusqu’au { $date }
admin-by = par { $who }
admin-resend = Renvoyer
admin-resend-named = Renvoyer l’invitation à { $email }
admin-revoke-named = Révoquer { $email }
admin-invite-groups = Groupes
admin-invite-groups-hint = Séparez les groupes par des virgules ; les nouveaux sont créés.
admin-invite-groups-known = Séparez les groupes par des virgules. Groupes existants : { $groups }
admin-invite-days = Valable (jours)
admin-invite-send = Inviter
admin-bad-days = Une invitation est valable de 1 à 90 jours.
admin-has-account-title = Cette personne a déjà un compte
admin-has-account-message = Ajoutez-la plutôt à des groupes sur sa page ; elle se connecte comme d’habitude.
admin-invite-used-title = Cette invitation a été acceptée
admin-invite-used-message = Elle ne peut être ni révoquée ni renvoyée ; gérez plutôt le compte de la personne.
admin-notice-invite-revoked = Invitation révoquée : son lien ne fonctionne plus.
admin-invited-title = Invitation créée
admin-invited-sent = Un e-mail avec le lien part vers { $email }.
admin-invited-not-sent = L’e-mail à { $email } n’a pas pu être envoyé. Transmettez le lien vous-même.
admin-invited-link = Lien d’invitation
admin-invited-once = { $n ->
    [one] Le lien n’est affiché que cette fois-ci et fonctionne { $n } jour, une seule fois.
   *[other] Le lien n’est affiché que cette fois-ci et fonctionne { $n } jours, une seule fois.
}

## Administration : jetons de service
admin-tokens = Jetons de service
admin-tokens-lead = Les comptes de service permettent aux tâches de CI et aux scripts d’appeler les routes avec tokens = true, sans navigateur.
admin-no-tokens = Pas encore de compte de service.
admin-token-none-valid = aucun jeton valable
admin-tokens-valid = { $n ->
    [one] { $n } jeton valable
   *[other] { $n } jetons valables
}
admin-token-expires = valable jusqu’au { $date }
admin-token-never-expires = valable jusqu’à révocation
admin-rotate = Renouveler
admin-rotate-named = Renouveler le jeton de { $name }
admin-rotate-hint = Renouveler émet un nouveau jeton ; les anciens fonctionnent encore 24 heures, puis prennent fin. Révoquer met fin à tous les jetons immédiatement.
admin-new-token = Nouveau compte de service
admin-token-name = Nom
admin-token-name-hint = Le nom est ce que les applications reçoivent comme Remote-User : lettres, chiffres, tirets, tirets bas et points.
admin-token-groups-hint = Séparez les groupes par des virgules.
admin-token-days-hint = 0 signifie jusqu’à révocation.
admin-token-days = Valable (jours)
admin-bad-token-days = Un jeton est valable de 0 (jusqu’à révocation) à 3650 jours.
admin-bad-account-name = Un nom de compte de service compte de 1 à 64 lettres, chiffres, tirets, tirets bas ou points, et commence par une lettre ou un chiffre.
admin-bad-overlap = Le chevauchement va de 0 à 720 heures.
admin-account-taken-title = Ce nom est pris
admin-account-taken-message = Un compte de service ou le nom d’utilisateur d’une personne l’a déjà, et une application ne pourrait pas les distinguer. Choisissez un autre nom.
admin-notice-tokens-revoked = Tous les jetons du compte sont révoqués.
admin-notice-account-disabled = Compte désactivé : ses jetons ne fonctionnent plus jusqu’à sa réactivation.
admin-notice-account-enabled = Compte activé.
admin-token-shown-title = Copiez ce jeton maintenant
admin-token-shown-lead = Le nouveau jeton de { $name } :
admin-token-label = Jeton
admin-token-shown-once = Il n’est affiché que cette fois-ci : rangez-le maintenant dans les secrets de votre CI. passgate n’en garde qu’une empreinte.
admin-token-usage = Envoyez-le comme Authorization: Bearer, ou dans X-Passgate-Token.

## Administration : activité
admin-activity = Activité
admin-activity-span = Période
admin-activity-days = { $n ->
    [one] Dernier jour
   *[other] { $n } derniers jours
}
admin-activity-summary = Ces { $days } derniers jours : { $signins } connexions ({ $passkey } avec une passkey, { $email } par e-mail), { $failed } connexions échouées et { $lockouts } blocages.
admin-activity-passkey = Connexions par passkey
admin-activity-email = Connexions par e-mail
admin-activity-failed = Connexions échouées
admin-activity-lockouts = Blocages
admin-activity-numbers = Les chiffres, jour par jour
admin-activity-day = Jour (UTC)
admin-bad-days-choice = La période est de 7, 30 ou 90 jours.

## Administration : journal d’audit (temps)
admin-audit-since = Depuis
admin-audit-since-hint = Depuis : une durée comme 24h ou 7d, ou une date comme 2026-11-01 (UTC).
admin-bad-since = « Depuis » est une durée comme 24h ou 7d, ou une date comme 2026-11-01.
