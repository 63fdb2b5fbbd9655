# JupyterHub signing people in through passgate, with oauthenticator's
# GenericOAuthenticator (pip install jupyterhub oauthenticator). Tested by
# tests/it/oidc.rs with this very file, only the addresses changed.
#
# passgate's side (gateway.toml):
#
#   [[oidc.client]]
#   id = "jupyterhub"
#   name = "JupyterHub"
#   secret_file = "jupyterhub.secret"     # openssl rand -base64 32 > jupyterhub.secret
#   redirect_uris = ["https://hub.example.com/hub/oauth_callback"]
#   groups = ["data"]                     # optional: who may use the hub at all
#
# The secret reaches JupyterHub through the environment:
#   OAUTH_CLIENT_SECRET=$(cat jupyterhub.secret) jupyterhub -f jupyterhub_config.py

import os

c = get_config()  # noqa: F821 (JupyterHub provides it)

PASSGATE = "https://auth.example.com"

c.JupyterHub.authenticator_class = "generic-oauth"
c.GenericOAuthenticator.client_id = "jupyterhub"
c.GenericOAuthenticator.client_secret = os.environ["OAUTH_CLIENT_SECRET"]
c.GenericOAuthenticator.oauth_callback_url = "https://hub.example.com/hub/oauth_callback"
c.GenericOAuthenticator.authorize_url = f"{PASSGATE}/.passgate/oidc/authorize"
c.GenericOAuthenticator.token_url = f"{PASSGATE}/.passgate/oidc/token"
c.GenericOAuthenticator.userdata_url = f"{PASSGATE}/.passgate/oidc/userinfo"
c.GenericOAuthenticator.scope = ["openid", "profile", "email", "groups"]
# The hub's user name: passgate's username (the address unless one was set).
c.GenericOAuthenticator.username_claim = "preferred_username"
c.GenericOAuthenticator.login_service = "passgate"
# passgate's groups become the hub's: members of "admins" are hub admins,
# and only members of "data" or "admins" may sign in.
c.GenericOAuthenticator.manage_groups = True
c.GenericOAuthenticator.auth_state_groups_key = "oauth_user.groups"
c.GenericOAuthenticator.allowed_groups = {"data", "admins"}
c.GenericOAuthenticator.admin_groups = {"admins"}
