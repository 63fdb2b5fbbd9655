## The frame of every page
page-skip = Saltar al contenido
page-footer = Protegido por { $brand }
page-reference = ref.
page-languages = Idioma
common-or = o
common-email-link-button = Enviarme un enlace de acceso por correo
common-someone-else = Iniciar sesión con otra cuenta
common-signed-in-as = Sesión iniciada como { $who }.

## Relative times
time-seconds = { $n ->
    [one] { $n } segundo
   *[other] { $n } segundos
}
time-minutes = { $n ->
    [one] { $n } minuto
   *[other] { $n } minutos
}
time-hours = { $n ->
    [one] { $n } hora
   *[other] { $n } horas
}
time-days = { $n ->
    [one] { $n } día
   *[other] { $n } días
}

## The sign-in page
login-title = Iniciar sesión
login-heading = Iniciar sesión en { $brand }
login-lead = Usa una llave de acceso o recibe un enlace de acceso por correo.
login-lead-passkey-only = Inicia sesión con tu llave de acceso.
login-passkey-button = Iniciar sesión con una llave de acceso
login-noscript = Las llaves de acceso necesitan JavaScript; el enlace por correo funciona sin él.
login-email-label = Correo electrónico
login-email-hint = Te enviaremos un enlace y un código. Aquí también se te puede ofrecer tu llave de acceso.
login-have-code = Tengo un código de un correo
login-signed-out = Has cerrado la sesión.
login-session-ended = Tu sesión ha terminado. Vuelve a iniciar sesión.

## Step-up ("Confirm it's you")
step-up-title = Confirma que eres tú
step-up-this-app = Esta aplicación
step-up-reason = Confirma que eres tú para continuar a { $app }.
step-up-reason-passkey = { $app } solo acepta inicios de sesión con llave de acceso, y esta vez iniciaste sesión por correo.
step-up-reason-max-age = { $app } quiere un inicio de sesión reciente: el tuyo fue hace { $age }, y solo acepta los de los últimos { $max }.
step-up-passkey-button = Confirmar con una llave de acceso
step-up-noscript = Las llaves de acceso necesitan JavaScript.
step-up-no-passkey = Tu cuenta aún no tiene llave de acceso. Crea una en este dispositivo —con tu huella, tu cara o el bloqueo de pantalla— y confirma con ella.
step-up-create-passkey = Crear una llave de acceso

## Signing out
logout-title = Cerrar sesión
logout-heading = ¿Cerrar sesión?
logout-signed-in-as = Has iniciado sesión como { $who }.
logout-not-signed-in = No has iniciado sesión.
logout-button = Cerrar sesión
end-session-named = { $app } pide cerrar tu sesión de passgate. Esto termina tu sesión aquí y en todas las aplicaciones que la usan en este navegador.
end-session-unnamed = Una aplicación pide cerrar tu sesión de passgate. Esto termina tu sesión aquí y en todas las aplicaciones que la usan en este navegador.
