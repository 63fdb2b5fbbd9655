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
common-continue = Continuar

## Email sign-in
email-sent-title = Revisa tu correo
email-sent-lead = Si { $email } puede iniciar sesión aquí, va de camino un mensaje con un enlace de acceso y un código. Caduca en { $minutes } minutos.
email-sent-how = Abre el enlace en este navegador o escribe el código abajo; el código también funciona en otro dispositivo.
email-code-from-email = Código del correo
email-sent-other-address = Usar otra dirección
email-confirm-title = Confirmar inicio de sesión
email-confirm-new-heading = Terminar el registro
email-confirm-new-lead = Crea tu cuenta para { $email }.
email-confirm-lead = Iniciar sesión como { $email }.
email-confirm-create = Crear mi cuenta
email-confirm-why = Este paso adicional impide que los analizadores de correo usen tu enlace.
email-code-title = Introduce tu código
email-code-heading = Introduce el código de tu correo
email-code-lead = Úsalo en cualquier dispositivo: el código funciona incluso donde el enlace no.
email-code-label = Código
email-code-back = Volver al inicio de sesión

## The passkey offer after an email sign-in
offer-welcome-title = Te damos la bienvenida
offer-title = Añadir una llave de acceso
offer-welcome-heading = Tu cuenta está lista
offer-heading = Inicia sesión más rápido la próxima vez
offer-welcome-lead = Crea una llave de acceso para iniciar sesión la próxima vez con tu huella, tu cara o el bloqueo de pantalla, sin correo.
offer-lead = Iniciaste sesión por correo. Crea una llave de acceso en este dispositivo para entrar con un toque la próxima vez.
offer-skip = Omitir por ahora
offer-not-now = Ahora no
offer-hint = Puedes añadir o quitar llaves de acceso cuando quieras en la página de tu cuenta.
offer-hint-email = Puedes añadir o quitar llaves de acceso cuando quieras en la página de tu cuenta, y siempre puedes iniciar sesión por correo.

## Invitations
invite-title = Aceptar la invitación
invite-heading = Te han invitado
invite-lead = Crea tu cuenta de { $brand } para { $email }.
invite-groups = Te unirás a: { $groups }.
invite-accept = Aceptar y continuar
invite-added-title = Se le ha añadido a los grupos
invite-added-message = { $email } pertenece ahora a: { $groups }. Inicie sesión como siempre para continuar.

## Email sign-in refusals
email-too-many-title = Demasiados intentos
email-try-again-in-minutes = { $n ->
    [one] Vuelve a intentarlo en { $n } minuto.
   *[other] Vuelve a intentarlo en { $n } minutos.
}
email-too-many-next = Si ya recibiste un mensaje, su enlace y su código siguen funcionando.
email-turned-off = El inicio de sesión por correo está desactivado aquí. Usa una llave de acceso.
email-enter-address = Escribe tu correo electrónico, por ejemplo nombre@example.com.
email-too-many-network = Se han pedido demasiados correos de acceso desde tu red.
email-too-many-address = Se han pedido demasiados correos de acceso para esta dirección.
email-link-expired-title = Este enlace ha caducado
email-link-expired-message = Los enlaces de acceso solo sirven una vez y durante poco tiempo. Este ya se usó o es demasiado antiguo.
email-link-expired-next = Pide un enlace nuevo en la página de inicio de sesión.
email-link-expired-action = Obtener un enlace nuevo
email-other-browser = Este enlace se abrió en un navegador distinto del que lo pidió, así que no puede iniciar tu sesión aquí. Escribe en su lugar el código del mismo correo: funciona en cualquier dispositivo.
email-code-enter-both = Escribe tu correo electrónico y el código de seis cifras del correo.
email-code-too-many-network = Se han introducido demasiados códigos desde tu red.
email-code-paused = Los códigos están en pausa un día para esta dirección, porque se introdujeron varios códigos incorrectos. Usa el enlace de tu último correo, en el navegador donde lo pediste.
email-code-wrong-or-expired = Ese código no es correcto o ha caducado. Pide un correo nuevo.
email-code-wrong-last = Ese código no es correcto. Era su último intento: pide un correo nuevo.
email-code-wrong-left = { $n ->
    [one] Ese código no es correcto. Queda { $n } intento.
   *[other] Ese código no es correcto. Quedan { $n } intentos.
}
email-cannot-create-title = No se puede crear esta cuenta
email-cannot-create-next = Vuelve a intentar iniciar sesión.
email-not-allowed-title = No puedes iniciar sesión aquí
email-not-allowed-message = Esta cuenta está desactivada, o el registro no está abierto para esta dirección.
email-not-allowed-next = Si crees que es un error, consulta a quien gestiona este servicio.

## Errors any page may show
error-unavailable-title = El inicio de sesión no está disponible por un momento
error-unavailable-message = passgate no puede acceder a su base de datos ahora mismo.
error-unavailable-next = Vuelve a intentarlo en un minuto. Si sigue pasando, avisa a quien gestiona este servicio e indica la referencia de abajo.
error-internal-title = Algo salió mal
error-internal-message = passgate no pudo terminar esta solicitud.
error-internal-next = Vuelve a intentarlo. Si sigue pasando, avisa a quien gestiona este servicio e indica la referencia de abajo.
error-try-again = Reintentar
forged-title = No se pudo aceptar este formulario
forged-action = Ir al inicio de sesión
forged-origin = Este formulario se envió desde otro sitio, así que no se aceptó. Vuelve a la página de inicio de sesión e inténtalo de nuevo.
forged-token = Esta página había caducado (o las cookies están bloqueadas), así que no se aceptó el formulario. Recarga la página e inténtalo de nuevo.

## Times ago
time-just-now = ahora mismo
time-minutes-ago = { $n ->
    [one] hace { $n } minuto
   *[other] hace { $n } minutos
}
time-hours-ago = { $n ->
    [one] hace { $n } hora
   *[other] hace { $n } horas
}
time-days-ago = { $n ->
    [one] hace { $n } día
   *[other] hace { $n } días
}

## The account page
account-title = Tu cuenta
account-badge-admin = administrador
account-display-name = Nombre visible
account-save = Guardar
account-passkeys = Llaves de acceso
account-no-passkeys = Aún no tienes llaves de acceso. Una llave de acceso te permite entrar con un toque.
account-no-passkeys-email = Aún no tienes llaves de acceso. Inicias sesión por correo; una llave de acceso te permite entrar con un toque.
account-badge-synced = sincronizada
account-badge-device = solo este dispositivo
account-badge-this-session = usada en esta sesión
account-added = añadida { $when }
account-last-used = último uso { $when }
account-never-used = nunca usada
account-new-name = Nombre nuevo
account-name-for = Nombre para { $name }
account-rename = Renombrar
account-only-way = Tu única forma de iniciar sesión: añade antes otra llave de acceso
account-remove-named = Quitar { $name }
account-remove = Quitar
account-sessions = Dónde has iniciado sesión
account-badge-this-browser = este navegador
account-signed-in = sesión iniciada { $when }
account-last-seen = visto por última vez { $when }
account-sign-out-device = Cerrar sesión en { $device }
account-sign-out-everywhere = Cerrar sesión en todas partes
account-unknown-address = dirección desconocida
account-method-passkey = llave de acceso
account-method-email = correo
account-notice-added = Llave de acceso añadida. Podrás usarla la próxima vez que inicies sesión.
account-notice-renamed = Llave de acceso renombrada.
account-notice-removed = Llave de acceso quitada. Tu dispositivo puede seguir mostrándola hasta que la olvide.
account-notice-revoked = Se ha cerrado esa sesión.
account-notice-saved = Guardado.
account-notice-last-passkey = Es tu única forma de iniciar sesión (el inicio por correo está desactivado aquí). Añade antes otra llave de acceso.
account-notice-bad-name = Los nombres deben tener de 1 a 60 caracteres.
passkeys-sign-in-again = Para cambiar tus llaves de acceso, confirma primero que eres tú: tu inicio de sesión tiene más de diez minutos.
passkeys-passkey-needed = Tu cuenta tiene una llave de acceso: inicia sesión con ella para añadir o quitar llaves. ¿La perdiste? Pide a un administrador que restablezca tus llaves, inicia sesión por correo y añade una nueva.

## Emails
email-msg-signup-subject = Termina tu registro en { $brand }
email-msg-signup-lead = Confirma tu dirección para terminar tu registro en { $brand }.
email-msg-signup-action = Confirmar y continuar
email-msg-signin-subject = Tu enlace de acceso a { $brand }
email-msg-signin-lead = Usa este enlace para iniciar sesión en { $brand }.
email-msg-code = O introduce este código en la página de inicio de sesión:
email-msg-expiry-both = { $n ->
    [one] El enlace y el código sirven una vez y caducan en { $n } minuto. El enlace funciona en el navegador donde lo pediste; el código funciona en cualquier parte.
   *[other] El enlace y el código sirven una vez y caducan en { $n } minutos. El enlace funciona en el navegador donde lo pediste; el código funciona en cualquier parte.
}
email-msg-expiry-link = { $n ->
    [one] El enlace sirve una vez, en el navegador donde lo pediste, y caduca en { $n } minuto. Los códigos de acceso están en pausa un día para esta dirección, porque se introdujeron varios códigos incorrectos.
   *[other] El enlace sirve una vez, en el navegador donde lo pediste, y caduca en { $n } minutos. Los códigos de acceso están en pausa un día para esta dirección, porque se introdujeron varios códigos incorrectos.
}
email-msg-ignore = Si no lo pediste, puedes ignorar este mensaje.
email-invite-subject = Te han invitado a { $brand }
email-invite-lead = Te han invitado a { $brand }.
email-invite-action = Aceptar la invitación
email-invite-expiry = { $n ->
    [one] El enlace sirve una vez y caduca en { $n } día. Después se te pedirá crear una llave de acceso.
   *[other] El enlace sirve una vez y caduca en { $n } días. Después se te pedirá crear una llave de acceso.
}

## Invitations, refused
invite-expired-title = Esta invitación ha caducado
invite-expired-message = Las invitaciones sirven una vez y por tiempo limitado. Esta ya se usó o es demasiado antigua.
invite-expired-next = Pide una nueva a quien te invitó. Si ya la aceptaste, inicia sesión.
invite-expired-short = Ya se usó o es demasiado antigua.
invite-expired-next-short = Pide una invitación nueva, o inicia sesión si ya tienes cuenta.
invite-account-disabled = Esta cuenta está desactivada.
invite-already-used = Ya se usó.
invite-cannot-use = No se puede usar esta invitación

## Other answers
misc-not-signed-in-title = Sin sesión iniciada
misc-not-signed-in-message = Esta solicitud no pertenece a ninguna sesión iniciada.
misc-not-found-title = Página no encontrada
misc-not-found-message = No hay nada en esta dirección.

## Passkey ceremonies
passkey-too-many = { $n ->
    [one] Demasiados intentos con llave de acceso desde tu red. Vuelve a intentarlo en { $n } segundo.
   *[other] Demasiados intentos con llave de acceso desde tu red. Vuelve a intentarlo en { $n } segundos.
}
passkey-unreadable = No se pudo leer la respuesta de la llave de acceso. Vuelve a intentarlo.
passkey-unknown = Esta llave de acceso ya no está registrada aquí. Se ha quitado de las sugerencias de este dispositivo donde el navegador lo permite; inicia sesión de otra forma.
passkey-account-disabled = Esta cuenta está desactivada. Consulta a quien gestiona este servicio.
passkey-session-ended = Tu sesión ha terminado. Vuelve a iniciar sesión para añadir una llave de acceso.
passkey-account-gone = Tu cuenta ya no existe.
passkey-already-registered = Esta llave de acceso ya está registrada.
passkey-error = { $reason }. Vuelve a intentarlo o inicia sesión por correo.
passkey-error-expired = Esta solicitud de llave de acceso ha caducado o ya se usó; vuelve a intentarlo
passkey-error-unknown = Esta llave de acceso no está registrada aquí
passkey-error-mismatch = La llave de acceso no coincide con su cuenta
passkey-error-cloned = El contador de firmas de esta llave de acceso retrocedió, lo que sugiere un autenticador clonado; se ha rechazado
passkey-error-not-verified = Tu autenticador no te verificó (PIN o biometría); este sitio lo exige
passkey-error-not-discoverable = La llave de acceso debe guardarse en el autenticador (credencial detectable) para que puedas iniciar sesión sin nombre de usuario
passkey-error-invalid = La respuesta de la llave de acceso no era válida
passkey-error-cross-origin = Esta respuesta de llave de acceso se hizo en una página incrustada en otro sitio; inicia sesión en la propia página de inicio de sesión

## OpenID Connect pages
oidc-not-enabled = passgate no está configurado aquí como proveedor OpenID.
oidc-not-a-form = La solicitud de inicio de sesión de la aplicación no es un formulario.
oidc-unreadable = No se puede leer la solicitud de inicio de sesión de la aplicación.
oidc-no-client-id = La solicitud de inicio de sesión de la aplicación no indica client_id. Su configuración de OpenID Connect necesita el identificador de cliente configurado en passgate.
oidc-client-twice = La solicitud de inicio de sesión de la aplicación indica su cliente dos veces.
oidc-unknown-client = La aplicación que te pide iniciar sesión no está registrada en passgate (client_id desconocido). Pide a tu administrador que la añada como [[oidc.client]].
oidc-redirect-not-registered = { $app } pidió devolverte a una dirección que no tiene registrada, así que passgate no te enviará allí. Pide a tu administrador que revise las redirect_uris del cliente.
oidc-not-for-you-title = { $app } no es para ti
oidc-not-for-you-message = Has iniciado sesión como { $who }, y { $app } solo está abierta a miembros de { $groups }.
oidc-not-for-you-next = Pide acceso a tu administrador si lo necesitas.
oidc-request-unusable = No se puede usar esta solicitud de inicio de sesión
oidc-request-unusable-next = Vuelve a la aplicación e inténtalo de nuevo; si vuelve a pasar, avisa a tu administrador.
oidc-logout-unreadable = No se puede leer la solicitud de cierre de sesión.
oidc-logout-repeats = La solicitud de cierre de sesión repite un parámetro.
oidc-logout-bad-hint = La aplicación envió un id_token_hint que passgate no emitió.
oidc-logout-two-apps = La solicitud de cierre de sesión nombra dos aplicaciones distintas.
oidc-logout-unknown-app = La aplicación que pide cerrar tu sesión no está registrada en passgate.
oidc-logout-bad-return = La aplicación pidió enviarte, tras cerrar sesión, a una dirección que no tiene registrada.
oidc-logout-unusable = No se puede usar esta solicitud de cierre de sesión
oidc-logout-unusable-next = Sigues con la sesión iniciada. Cierra sesión desde la página de tu cuenta de passgate si quieres.

## The gate's own answers
gate-forbidden-title = No tienes acceso
gate-forbidden-next = Si necesitas acceso, pide a quien gestiona esta aplicación que te añada, o inicia sesión con otra cuenta.
gate-refusal-no-route = Esta dirección no está configurada en passgate, así que nadie puede acceder a ella.
gate-refusal-deny = Esta dirección está cerrada para todos.
gate-refusal-not-allowed = Tu cuenta no es de las autorizadas para usar esta aplicación.
gate-bad-request-title = No se puede atender esta solicitud
gate-check-address = Revisa la dirección e inténtalo de nuevo.
gate-timeout-title = La aplicación no responde
gate-timeout-message = La aplicación detrás de esta dirección tardó demasiado en responder.
gate-timeout-next = Vuelve a intentarlo en un momento. Si sigue pasando, puede que la aplicación esté sobrecargada o bloqueada.
gate-not-forwarded-title = No se puede reenviar esta solicitud
gate-unreachable-title = No se puede acceder a la aplicación
gate-unreachable-message = Has iniciado sesión, pero la aplicación detrás de esta dirección está caída o rechaza las conexiones.
gate-unreachable-next = Vuelve a intentarlo en un momento. Si sigue pasando, avisa a quien gestiona esta aplicación e indica la referencia de abajo.
gate-method = El método { $method } no se pasa a las aplicaciones.
gate-no-upstream-title = Aquí no se sirve nada
gate-no-upstream-message = Esta dirección está protegida para que la sirva otro proxy; passgate no tiene ninguna aplicación para ella.
gate-untrusted-title = No permitido
gate-untrusted-message = Este punto de acceso solo responde a los proxies listados en la configuración de passgate.
gate-token-title = Este token no se acepta
gate-token-next = Un script o trabajo de CI necesita un token válido para una regla con tokens = true; quien gestiona passgate puede emitir uno (passgate token create, o rotate).

## What the pages' script says
js-error = Algo salió mal. Vuelve a intentarlo.
js-cancelled = La solicitud de llave de acceso se canceló o caducó. Puedes volver a intentarlo.
js-cancelled-email = La solicitud de llave de acceso se canceló o caducó. Puedes volver a intentarlo o usar el correo.
js-already-on-device = Ya hay una llave de acceso para esta cuenta en este dispositivo.
js-security = Las llaves de acceso no están permitidas en esta dirección. Pide a quien gestiona este sitio que revise su configuración.
js-unsupported = Este navegador no puede usar llaves de acceso aquí. Inicia sesión por correo.
js-unsupported-create = Este navegador no puede crear llaves de acceso aquí.
js-signing-in = Iniciando sesión…
js-created = Llave de acceso creada. La próxima vez, inicia sesión con ella.
js-server = El servidor respondió

## Admin pages
admin-title = Administración
admin-people = Personas
admin-not-admin-title = Esto es para administradores
admin-not-admin-message = Las páginas de administración solo están abiertas a los miembros del grupo admins.
page-not-navigated-title = Abra esta página usted mismo
page-not-navigated-message = Esto solo funciona si usted abre la página y pulsa sus botones, no desde un script, un marco u otra página. Vuelva a abrir la página e inténtelo de nuevo.
admin-bad-request-title = No se puede atender esta solicitud
admin-bad-page = Esa página de la lista no existe.
admin-bad-search = La búsqueda es demasiado larga (200 caracteres como máximo).
admin-search-label = Buscar por dirección o nombre
admin-search = Buscar
admin-people-count = { $n ->
    [one] { $n } persona
   *[other] { $n } personas
}
admin-badge-disabled = desactivada
admin-pages = Páginas de la lista
admin-previous = Anterior
admin-next = Siguiente
admin-no-groups = En ningún grupo.
admin-enable = Activar
admin-disable = Desactivar
admin-this-is-you = Es usted: aquí no puede desactivarse, eliminarse ni quitarse de admins.
admin-no-passkeys = Sin llaves de acceso.
admin-sessions = Sesiones
admin-no-sessions = Sin sesión iniciada en ningún sitio.
admin-notice-disabled = Desactivada, y con la sesión cerrada en todas partes.
admin-notice-enabled = Activada. Puede volver a iniciar sesión.
admin-notice-signed-out = Sesión cerrada en todas partes.
admin-not-yourself-title = Aquí no puede hacerse esto a sí mismo
admin-not-yourself-message = Desactivarse, eliminarse o quitarse de admins le dejaría fuera de las páginas de administración. Pídaselo a otro administrador, o use la línea de comandos.
admin-no-such-person-title = Esa persona no existe
admin-no-such-person-message = No hay nadie con este identificador; puede que se haya eliminado.
admin-last-admin-title = No quedaría ningún administrador
admin-last-admin-message = Nadie podría usar las páginas de administración. Haga antes administrador a otra persona.

## Admin: apps and keys
admin-system = Aplicaciones y claves
admin-oidc-clients = Aplicaciones OpenID Connect
admin-no-oidc-clients = No hay ninguna aplicación OpenID Connect configurada ([[oidc.client]] en el archivo de configuración).
admin-client-public = pública
admin-client-confidential = confidencial
admin-client-grants = { $n ->
    [one] { $n } inicio de sesión activo
   *[other] { $n } inicios de sesión activos
}
admin-keys = Claves de firma
admin-keys-hint = Las claves que firman las aserciones de identidad y los tokens de OpenID Connect. Al rotarlas, las nuevas pasan a ser las actuales; las anteriores siguen publicadas un día.
admin-key-current = actual
admin-rotate-keys = Rotar claves
admin-notice-rotated = Las claves nuevas son las actuales. Las anteriores siguen publicadas un día.

## Admin: audit log
admin-audit = Registro de auditoría
admin-audit-kind = Tipo (empieza por)
admin-audit-export-jsonl = Exportar como JSON Lines
admin-audit-export-csv = Exportar como CSV
admin-audit-none = Ningún evento coincide.
admin-audit-failed = fallido
admin-bad-format = La exportación es JSON Lines (format=jsonl) o CSV (format=csv).

## Administración: común
admin-back = Volver
admin-cancel = Cancelar
admin-create = Crear
admin-add = Añadir
admin-revoke = Revocar
admin-created = creado { $when }
admin-admins-group-title = El grupo admins se queda como está
admin-admins-group-message = Renombrar o eliminar el grupo admins, o dar su nombre a otro grupo, cambiaría quién puede administrar. Añada o quite miembros en su lugar.
admin-last-passkey-title = Es su única forma de iniciar sesión
admin-last-passkey-message = El inicio de sesión por correo está desactivado: sin esta passkey no podría iniciar sesión de ningún modo. Pídale antes que añada otra passkey, o restablezca sus passkeys con la línea de comandos (passgate user reset-passkeys) y vuelva a invitarla.
admin-no-such-group-title = Ese grupo no existe
admin-no-such-group-message = No hay ningún grupo con este nombre; quizá se renombró o se eliminó.
admin-no-such-invite-title = Esa invitación no existe
admin-no-such-invite-message = Esta invitación ya no está; quizá se revocó o se volvió a enviar.
admin-no-such-account-title = Esa cuenta de servicio no existe
admin-no-such-account-message = No hay ninguna cuenta de servicio con este nombre.
admin-no-such-item-title = No encontrado
admin-no-such-item-message = Lo que se pedía no está; quizá cambió desde que se cargó la página. Recargue la página y vuelva a intentarlo.
admin-bad-email = Introduzca una dirección de correo (200 caracteres como máximo).
admin-bad-group-name = Un nombre de grupo tiene de 1 a 64 letras, dígitos, guiones, guiones bajos o puntos.
admin-bad-name = El nombre es demasiado largo (100 caracteres como máximo).
admin-bad-username = Un nombre de usuario tiene de 1 a 64 letras, dígitos, guiones, guiones bajos o puntos (sin @: nunca debe leerse como la dirección de alguien).

## Administración: personas
admin-invite-someone = Invitar a alguien
admin-username = Nombre de usuario
admin-username-hint = Lo que las aplicaciones reciben como Remote-User. Déjelo vacío para usar la dirección de correo.
admin-username-taken-title = Este nombre de usuario está ocupado
admin-username-taken-message = Otra persona o una cuenta de servicio ya lo tiene, y una aplicación no podría distinguirlas. Elija otro.
admin-notice-saved = Guardado.
admin-notice-session-ended = Sesión cerrada en ese dispositivo.
admin-notice-joined = Añadido al grupo.
admin-notice-left = Quitado del grupo.
admin-notice-passkey-removed = Passkey eliminada; las sesiones iniciadas con ella han terminado.
admin-groups-title = Grupos
admin-join-label = Añadir a un grupo
admin-join = Añadir
admin-leave = Quitar
admin-leave-named = Quitar de { $group }
admin-delete-person = Eliminar a esta persona
admin-delete-lead = Eliminar a { $email } quita su cuenta, sus passkeys, sus sesiones y sus grupos, en todas partes y de inmediato. El registro de auditoría conserva lo que hizo.
admin-delete-takes = Passkeys: { $passkeys }. Sesiones activas: { $sessions }.
admin-delete-type = Escriba su dirección de correo para confirmar
admin-delete-mismatch = La dirección escrita no coincide. No se ha eliminado nada.

## Administración: grupos
admin-no-groups-yet = Todavía no hay grupos.
admin-members-count = { $n ->
    [one] { $n } miembro
   *[other] { $n } miembros
}
admin-new-group = Nuevo grupo
admin-group-name = Nombre
admin-group-name-hint = Letras, dígitos, guiones, guiones bajos y puntos. Las rutas y las aplicaciones nombran los grupos en el archivo de configuración.
admin-group-exists-title = Este grupo ya existe
admin-group-exists-message = Elija otro nombre, o abra el grupo existente.
admin-notice-group-created = Grupo creado.
admin-notice-group-renamed = Grupo renombrado.
admin-notice-group-deleted = Grupo eliminado.
admin-admins-group-hint = Los miembros de admins pueden usar estas páginas. Siempre queda al menos un miembro activo, y aquí no puede quitarse a sí mismo.
admin-add-member-label = Añadir a una persona por su dirección de correo
admin-remove-member-named = Quitar a { $email }
admin-group-change = Renombrar o eliminar
admin-group-unused = Ni la configuración ni ninguna cuenta de servicio usa este grupo.
admin-group-used-by = La configuración o una cuenta de servicio usa este grupo. Renombrarlo o eliminarlo cambia quién entra allí, hasta que también cambie la configuración:
admin-rename-to = Nuevo nombre
admin-group-delete-type = Escriba { $group } para eliminarlo
admin-delete-group = Eliminar grupo
admin-group-delete-mismatch = El nombre escrito no coincide. El grupo no se ha eliminado.

## Administración: invitaciones
admin-invites = Invitaciones
admin-no-invites = Todavía no hay invitaciones.
admin-invite-pending = pendiente
admin-invite-used = aceptada
admin-invite-expired = caducada
admin-invite-used-at = aceptada { $when }
admin-invite-expired-at = caducada { $when }
admin-invite-expires-at = válida hasta el { $date }
admin-by = por { $who }
admin-resend = Volver a enviar
admin-resend-named = Volver a enviar la invitación a { $email }
admin-revoke-named = Revocar { $email }
admin-invite-groups = Grupos
admin-invite-groups-hint = Separe los grupos con comas; los nuevos se crean.
admin-invite-groups-known = Separe los grupos con comas. Grupos existentes: { $groups }
admin-invite-days = Válida durante (días)
admin-invite-send = Invitar
admin-bad-days = Una invitación es válida de 1 a 90 días.
admin-has-account-title = Esta persona ya tiene una cuenta
admin-has-account-message = Añádala a grupos en su página; inicia sesión como siempre.
admin-invite-used-title = Esta invitación ya se aceptó
admin-invite-used-message = No se puede revocar ni volver a enviar; gestione la cuenta de la persona en su lugar.
admin-notice-invite-revoked = Invitación revocada: su enlace ya no funciona.
admin-invited-title = Invitación creada
admin-invited-sent = Un correo con el enlace va de camino a { $email }.
admin-invited-not-sent = No se pudo enviar el correo a { $email }. Entréguele el enlace usted.
admin-invited-link = Enlace de invitación
admin-invited-once = { $n ->
    [one] El enlace solo se muestra esta vez y funciona durante { $n } día, una sola vez.
   *[other] El enlace solo se muestra esta vez y funciona durante { $n } días, una sola vez.
}

## Administración: tokens de servicio
admin-tokens = Tokens de servicio
admin-tokens-lead = Las cuentas de servicio permiten a los trabajos de CI y a los scripts llamar a rutas con tokens = true, sin navegador.
admin-no-tokens = Todavía no hay cuentas de servicio.
admin-token-none-valid = ningún token válido
admin-tokens-valid = { $n ->
    [one] { $n } token válido
   *[other] { $n } tokens válidos
}
admin-token-expires = válido hasta el { $date }
admin-token-never-expires = válido hasta que se revoque
admin-rotate = Renovar
admin-rotate-named = Renovar el token de { $name }
admin-rotate-hint = Renovar emite un token nuevo; los anteriores siguen funcionando 24 horas y luego terminan. Revocar termina todos los tokens de inmediato.
admin-new-token = Nueva cuenta de servicio
admin-token-name = Nombre
admin-token-name-hint = El nombre es lo que las aplicaciones reciben como Remote-User: letras, dígitos, guiones, guiones bajos y puntos.
admin-token-groups-hint = Separe los grupos con comas.
admin-token-days-hint = 0 significa hasta que se revoque.
admin-token-days = Válido durante (días)
admin-bad-token-days = Un token es válido de 0 (hasta que se revoque) a 3650 días.
admin-bad-account-name = Un nombre de cuenta de servicio tiene de 1 a 64 letras, dígitos, guiones, guiones bajos o puntos, y empieza por una letra o un dígito.
admin-bad-overlap = El solapamiento es de 0 a 720 horas.
admin-account-taken-title = Este nombre está ocupado
admin-account-taken-message = Una cuenta de servicio o el nombre de usuario de una persona ya lo tiene, y una aplicación no podría distinguirlos. Elija otro nombre.
admin-notice-tokens-revoked = Todos los tokens de la cuenta están revocados.
admin-notice-account-disabled = Cuenta desactivada: sus tokens no funcionan hasta que se vuelva a activar.
admin-notice-account-enabled = Cuenta activada.
admin-token-shown-title = Copie este token ahora
admin-token-shown-lead = El nuevo token de { $name }:
admin-token-label = Token
admin-token-shown-once = Solo se muestra esta vez: guárdelo ahora en los secretos de su CI. passgate solo guarda un hash.
admin-token-usage = Envíelo como Authorization: Bearer, o en X-Passgate-Token.

## Administración: actividad
admin-activity = Actividad
admin-activity-span = Periodo
admin-activity-days = { $n ->
    [one] Último día
   *[other] Últimos { $n } días
}
admin-activity-summary = En los últimos { $days } días: { $signins } inicios de sesión ({ $passkey } con passkey, { $email } por correo), { $failed } inicios de sesión fallidos y { $lockouts } bloqueos.
admin-activity-passkey = Inicios de sesión con passkey
admin-activity-email = Inicios de sesión por correo
admin-activity-failed = Inicios de sesión fallidos
admin-activity-lockouts = Bloqueos
admin-activity-numbers = Las cifras, día a día
admin-activity-day = Día (UTC)
admin-bad-days-choice = El periodo es de 7, 30 o 90 días.

## Administración: registro de auditoría (tiempo)
admin-audit-since = Desde
admin-audit-since-hint = Desde: un tiempo como 24h o 7d, o una fecha como 2026-11-01 (UTC).
admin-bad-since = «Desde» es un tiempo como 24h o 7d, o una fecha como 2026-11-01.
