"""Console forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, PasswordField
from wtforms.validators import DataRequired, Length, ValidationError


def no_control_characters(_form: FlaskForm, field: Field) -> None:
    """NUL and other control characters are never part of an email or a password, and
    PostgreSQL cannot even compare text holding NUL."""
    if field.data and any(ord(ch) < 32 or ord(ch) == 127 for ch in field.data):
        raise ValidationError(_l("Contains characters that are not allowed."))


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Length(max=254), no_control_characters]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=200), no_control_characters]
    )
