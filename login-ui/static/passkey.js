// passgate: the WebAuthn calls (filled in by the sign-in pages).
