from django.db import models


class RateCounter(models.Model):
    """One client's count for one rate limit in one window (see core/ratelimit.py).

    The key is the limit's name and a digest of the client's network under the window's key,
    which is never stored here. `expires` is the end of the window: the same for every
    counter of the window, so no row says when within it its client came. There is no
    automatic id, whose order would tell who came first."""

    key = models.CharField(max_length=100, primary_key=True)
    expires = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return self.key
