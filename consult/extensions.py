"""Extensions are created here and bound to the app in create_app()."""

import math
import time
from datetime import timedelta

from flask import Response, current_app, make_response
from flask_babel import Babel, format_timedelta
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits import parse_many

from consult.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class ContributionLimitReached(Exception):
    """An account wrote too much of one kind in too short a time; nothing was saved."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after  # seconds until the window that is full opens again

    def wait(self) -> str:
        return format_timedelta(timedelta(seconds=self.retry_after), threshold=1, add_direction=False)

    def respond(self, page) -> Response:
        """The page that gives the person back what they typed, as 429 with Retry-After."""
        response = make_response(page)
        response.status_code = 429
        response.headers["Retry-After"] = str(self.retry_after)
        return response


def spend_contribution(kind: str, account) -> None:
    """Count one write of `kind` (comments, amendments, supports, reports) by this account against its
    limits, RATELIMIT_<KIND>. Per account rather than per address: people of one city hall share an
    address, and one account must not flood a discussion from many."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    for item in parse_many(current_app.config[f"RATELIMIT_{kind.upper()}"]):
        if not limiter.limiter.hit(item, f"account:{account.id}", kind):
            reset_at = limiter.limiter.get_window_stats(item, f"account:{account.id}", kind).reset_time
            raise ContributionLimitReached(max(1, math.ceil(reset_at - time.time())))
