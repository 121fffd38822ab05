from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "freeassoc.orgs"
    verbose_name = "Organisations"

    def ready(self):
        # Sign-ins go to each organisation's audit log. Django announces them only by this
        # signal; the receiver just hands over to the service.
        from django.contrib.auth.signals import user_logged_in

        # Made now, at start-up: before `freeassoc serve` forks, so every worker shares it.
        from . import services, throttle  # noqa: F401

        def _record_sign_in(sender, request, user, **kwargs):
            services.audit_sign_in(user=user, detail="Signed in with a password")

        user_logged_in.connect(_record_sign_in, dispatch_uid="orgs.audit_sign_in", weak=False)
