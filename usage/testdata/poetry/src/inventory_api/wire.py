from google import protobuf  # noqa: F401
