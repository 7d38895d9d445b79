from app.main import app


def test_config():
    assert app.name == "app.main"
