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
