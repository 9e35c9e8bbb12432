"""Password hashes: argon2id at the configured cost, the production profile by default."""
from argon2 import extract_parameters

from marketplace import create_app
from marketplace.auth.services import hash_password, verify_password
from models import User


def test_production_hashes_use_the_rfc_9106_low_memory_profile(tmp_path):
    app = create_app({"SECRET_KEY": "x" * 40, "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.db'}"})
    with app.app_context():
        stored = hash_password("correct horse battery staple")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 64 * 1024, 4)


def test_the_configured_cost_is_used_and_a_hash_of_another_cost_still_verifies(app):
    with app.app_context():
        cheap = hash_password("correct horse battery staple")
        assert extract_parameters(cheap).memory_cost == app.config["PASSWORD_HASH_MEMORY_KIB"]
    production = create_app({"SECRET_KEY": "x" * 40, "INSTANCE_PATH": app.instance_path,
                             "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with production.app_context():
        assert verify_password(User(password_hash=cheap), "correct horse battery staple")
        assert not verify_password(User(password_hash=cheap), "wrong horse battery staple")
