package usage

import (
	"strings"

	"github.com/vouchdev/vouch/purl"
)

// pyModules maps a distribution (PEP 503 normalised) to the top-level
// modules it installs, for distributions whose modules are not named like
// them. Used when no installed dist-info under the project says.
var pyModules = map[string][]string{
	"pyyaml":                         {"yaml", "_yaml"},
	"beautifulsoup4":                 {"bs4"},
	"pillow":                         {"PIL"},
	"pillow-simd":                    {"PIL"},
	"scikit-learn":                   {"sklearn"},
	"scikit-image":                   {"skimage"},
	"python-dateutil":                {"dateutil"},
	"opencv-python":                  {"cv2"},
	"opencv-python-headless":         {"cv2"},
	"opencv-contrib-python":          {"cv2"},
	"opencv-contrib-python-headless": {"cv2"},
	"protobuf":                       {"google.protobuf"},
	"attrs":                          {"attr", "attrs"},
	"psycopg2-binary":                {"psycopg2"},
	"psycopg-binary":                 {"psycopg"},
	"pyjwt":                          {"jwt"},
	"python-dotenv":                  {"dotenv"},
	"mysqlclient":                    {"MySQLdb"},
	"mysql-connector-python":         {"mysql.connector"},
	"pyserial":                       {"serial"},
	"pyusb":                          {"usb"},
	"pycryptodome":                   {"Crypto"},
	"pycryptodomex":                  {"Cryptodome"},
	"pycrypto":                       {"Crypto"},
	"pyopenssl":                      {"OpenSSL"},
	"python-jose":                    {"jose"},
	"python-magic":                   {"magic"},
	"python-multipart":               {"multipart", "python_multipart"},
	"python-slugify":                 {"slugify"},
	"python-json-logger":             {"pythonjsonlogger"},
	"msgpack-python":                 {"msgpack"},
	"pyzmq":                          {"zmq"},
	"pygithub":                       {"github"},
	"google-api-python-client":       {"googleapiclient", "apiclient"},
	"google-auth":                    {"google.auth", "google.oauth2"},
	"google-auth-oauthlib":           {"google_auth_oauthlib"},
	"googleapis-common-protos":       {"google.api", "google.rpc", "google.type"},
	"grpcio":                         {"grpc"},
	"grpcio-tools":                   {"grpc_tools"},
	"grpcio-status":                  {"grpc_status"},
	"setuptools":                     {"setuptools", "pkg_resources"},
	"dnspython":                      {"dns"},
	"pywin32":                        {"win32api", "win32con", "win32com", "win32gui", "pythoncom", "pywintypes", "win32file", "win32process"},
	"ruamel-yaml":                    {"ruamel.yaml"},
	"djangorestframework":            {"rest_framework"},
	"djangorestframework-simplejwt":  {"rest_framework_simplejwt"},
	"django-cors-headers":            {"corsheaders"},
	"django-filter":                  {"django_filters"},
	"django-environ":                 {"environ"},
	"django-debug-toolbar":           {"debug_toolbar"},
	"django-storages":                {"storages"},
	"django-crispy-forms":            {"crispy_forms"},
	"django-redis":                   {"django_redis"},
	"python-socketio":                {"socketio"},
	"python-engineio":                {"engineio"},
	"websocket-client":               {"websocket"},
	"discord-py":                     {"discord"},
	"python-telegram-bot":            {"telegram"},
	"pyqt5":                          {"PyQt5"},
	"pyqt6":                          {"PyQt6"},
	"pyside2":                        {"PySide2"},
	"pyside6":                        {"PySide6"},
	"ipython":                        {"IPython"},
	"paho-mqtt":                      {"paho.mqtt"},
	"tensorflow-gpu":                 {"tensorflow"},
	"tensorflow-cpu":                 {"tensorflow"},
	"faiss-cpu":                      {"faiss"},
	"faiss-gpu":                      {"faiss"},
	"python-levenshtein":             {"Levenshtein"},
	"levenshtein":                    {"Levenshtein"},
	"pyinstaller":                    {"PyInstaller"},
	"pypdf2":                         {"PyPDF2"},
	"pymupdf":                        {"fitz", "pymupdf"},
	"python-docx":                    {"docx"},
	"python-pptx":                    {"pptx"},
	"pyxdg":                          {"xdg"},
	"pyobjc":                         {"objc", "Foundation", "AppKit"},
	"pysocks":                        {"socks", "sockshandler"},
	"pywavelets":                     {"pywt"},
	"py-cpuinfo":                     {"cpuinfo"},
	"cffi":                           {"cffi", "_cffi_backend"},
	"argon2-cffi":                    {"argon2"},
	"ua-parser":                      {"ua_parser"},
	"python-rapidjson":               {"rapidjson"},
	"gitpython":                      {"git"},
	"pynacl":                         {"nacl"},
	"twisted":                        {"twisted"},
	"wxpython":                       {"wx"},
	"pygobject":                      {"gi"},
	"pycairo":                        {"cairo"},
	"dbus-python":                    {"dbus"},
	"python-xlib":                    {"Xlib"},
	"python-crontab":                 {"crontab", "cronlog"},
	"apscheduler":                    {"apscheduler"},
	"umap-learn":                     {"umap"},
	"huggingface-hub":                {"huggingface_hub"},
	"python-box":                     {"box"},
	"pyhumps":                        {"humps"},
	"jsonpath-ng":                    {"jsonpath_ng"},
	"tomli-w":                        {"tomli_w"},
	"pdbpp":                          {"pdb"},
	"faker":                          {"faker"},
	"factory-boy":                    {"factory"},
	"vcrpy":                          {"vcr"},
	"pre-commit":                     {"pre_commit"},
	"python-nmap":                    {"nmap"},
	"python-decouple":                {"decouple"},
	"pykube-ng":                      {"pykube"},
	"ansible-core":                   {"ansible"},
	"pyvmomi":                        {"pyVmomi", "vmware"},
	"pywebview":                      {"webview"},
	"flask-wtf":                      {"flask_wtf"},
	"python-keycloak":                {"keycloak"},
	"python-gnupg":                   {"gnupg"},
	"python-ldap":                    {"ldap", "ldif", "ldapurl"},
	"python-gitlab":                  {"gitlab"},
	"python-jenkins":                 {"jenkins"},
	"python-memcached":               {"memcache"},
	"pywinrm":                        {"winrm"},
	"pyaudio":                        {"pyaudio"},
	"speechrecognition":              {"speech_recognition"},
	"gdal":                           {"osgeo"},
	"kafka-python":                   {"kafka"},
	"confluent-kafka":                {"confluent_kafka"},
	"pymongo":                        {"pymongo", "bson", "gridfs"},
	"antlr4-python3-runtime":         {"antlr4"},
	"mkdocs-material":                {"material"},
	"docker-py":                      {"docker"},
	"sentry-sdk":                     {"sentry_sdk"},
	"opentelemetry-api":              {"opentelemetry"},
	"cx-oracle":                      {"cx_Oracle"},
	"typing-extensions":              {"typing_extensions"},
	"pyasn1-modules":                 {"pyasn1_modules"},
	"email-validator":                {"email_validator"},
	"text-unidecode":                 {"text_unidecode"},
	"pytest-django":                  {"pytest_django"},
	"apache-airflow":                 {"airflow"},
	"apache-beam":                    {"apache_beam"},
	"google-cloud-core":              {"google.cloud"},
	"azure-core":                     {"azure.core"},
	"mypy-extensions":                {"mypy_extensions"},
	"pyparsing":                      {"pyparsing"},
	"more-itertools":                 {"more_itertools"},
	"async-timeout":                  {"async_timeout"},
}

// pyModuleCandidates returns the modules a distribution may install when
// nothing installed says: the table's entry, then the name as written
// and normalised with "-" and "." turned into "_", the name as written
// when it is dotted (zope.interface, ruamel.yaml), the name without a
// "python-"/"py-" prefix or "-python"/"-py" suffix (python-magic →
// magic), and the namespace families: google-cloud-x → google.cloud.x,
// azure-x-y → azure.x.y, opentelemetry-x-y → opentelemetry.x.y,
// sphinxcontrib-x → sphinxcontrib.x.
func pyModuleCandidates(name string) []string {
	norm := purl.NormalizePyPI(name)
	var out []string
	add := func(m string) {
		for _, o := range out {
			if o == m {
				return
			}
		}
		out = append(out, m)
	}
	for _, m := range pyModules[norm] {
		add(m)
	}
	under := strings.NewReplacer("-", "_", ".", "_")
	add(under.Replace(norm))
	add(under.Replace(strings.ToLower(name)))
	if strings.Contains(name, ".") {
		add(strings.ToLower(strings.ReplaceAll(name, "-", "_")))
	}
	for _, p := range []string{"python-", "py-"} {
		if rest, ok := strings.CutPrefix(norm, p); ok && rest != "" {
			add(under.Replace(rest))
		}
	}
	for _, s := range []string{"-python", "-py"} {
		if rest, ok := strings.CutSuffix(norm, s); ok && rest != "" {
			add(under.Replace(rest))
		}
	}
	for _, fam := range []string{"google-cloud-", "azure-", "opentelemetry-", "sphinxcontrib-"} {
		if rest, ok := strings.CutPrefix(norm, fam); ok && rest != "" {
			ns := strings.ReplaceAll(strings.TrimSuffix(fam, "-"), "-", ".")
			if fam == "google-cloud-" {
				add(ns + "." + strings.ReplaceAll(rest, "-", "_"))
			} else {
				add(ns + "." + strings.ReplaceAll(rest, "-", "."))
			}
		}
	}
	return out
}

// pyCommands maps a distribution to the commands it installs where they
// differ from its name, for matching task files (Makefile, CI workflows,
// Procfile, tox.ini, .pre-commit-config.yaml).
var pyCommands = map[string][]string{
	"pytest":       {"pytest", "py.test"},
	"mypy":         {"mypy", "dmypy", "stubgen"},
	"pip-tools":    {"pip-compile", "pip-sync"},
	"sphinx":       {"sphinx-build", "sphinx-quickstart", "sphinx-apidoc"},
	"supervisor":   {"supervisord", "supervisorctl"},
	"awscli":       {"aws"},
	"jupyterlab":   {"jupyter-lab", "jupyter"},
	"notebook":     {"jupyter-notebook", "jupyter"},
	"waitress":     {"waitress-serve"},
	"dbt-core":     {"dbt"},
	"ansible":      {"ansible-playbook", "ansible-galaxy"},
	"ansible-core": {"ansible", "ansible-playbook", "ansible-galaxy"},
	"invoke":       {"inv"},
	"fabric":       {"fab"},
	"poethepoet":   {"poe"},
	"commitizen":   {"cz"},
	"httpie":       {"http", "https"},
	"cython":       {"cythonize"},
	"django":       {"django-admin"},
	"bump2version": {"bumpversion"},
	"coverage":     {"coverage"},
	"pre-commit":   {"pre-commit"},
	"gunicorn":     {"gunicorn"},
	"uvicorn":      {"uvicorn"},
	"celery":       {"celery"},
	"alembic":      {"alembic"},
}

// pyDevTools are distributions that are run, never imported: formatters,
// linters, type checkers, test runners, packaging and documentation tools.
// They are taken as dev dependencies wherever they are declared, since
// listing black in requirements.txt is a misplaced declaration, not
// unused software; with IncludeDev they are judged by the evidence of
// being run (configuration in pyproject.toml or a config file, their
// command in a task file).
var pyDevTools = setOf(
	"black", "ruff", "mypy", "flake8", "pylint", "isort", "pytest", "tox", "nox",
	"pre-commit", "coverage", "bandit", "autopep8", "yapf", "pyright", "twine",
	"build", "pip-tools", "bump2version", "bumpversion", "sphinx", "mkdocs",
	"pydocstyle", "pycodestyle", "pyflakes", "pip-audit", "safety", "codespell",
	"vulture", "docformatter", "pyupgrade", "commitizen", "blacken-docs",
	"autoflake", "pylama", "prospector", "interrogate", "check-manifest",
	"wheel", "hatch", "flit", "poetry", "pdm", "uv", "pipenv", "virtualenv",
	"setuptools-scm", "ipdb", "pdbpp", "ipython",
)

// pyPluginHosts maps the name prefixes of plugin families to the tool
// that loads them through entry points: a pytest-x plugin is never
// imported, pytest loads it. A plugin counts as used when its host is.
var pyPluginHosts = []struct{ prefix, host string }{
	{"pytest-", "pytest"},
	{"flake8-", "flake8"},
	{"pylint-", "pylint"},
	{"mkdocs-", "mkdocs"},
	{"sphinx-", "sphinx"},
	{"sphinxcontrib-", "sphinx"},
	{"mypy-", "mypy"},
	{"coverage-", "coverage"},
	{"tox-", "tox"},
	{"poetry-plugin-", "poetry"},
}

// pyToolConfigs maps configuration files to the tool they configure: such
// a file in the project is evidence that the tool is run.
var pyToolConfigs = map[string]string{
	"mypy.ini": "mypy", ".mypy.ini": "mypy", ".flake8": "flake8",
	"ruff.toml": "ruff", ".ruff.toml": "ruff", "pytest.ini": "pytest",
	"conftest.py": "pytest", ".coveragerc": "coverage", ".pylintrc": "pylint",
	"pylintrc": "pylint", ".isort.cfg": "isort", "tox.ini": "tox",
	"noxfile.py": "nox", ".pre-commit-config.yaml": "pre-commit",
	"mkdocs.yml": "mkdocs", "mkdocs.yaml": "mkdocs", ".bandit": "bandit",
	"pyrightconfig.json": "pyright", ".yapfignore": "yapf", ".style.yapf": "yapf",
	".bumpversion.cfg": "bump2version", "alembic.ini": "alembic",
}

// pyURLDrivers maps database URL schemes to the modules of the driver a
// framework loads for them (SQLAlchemy's defaults; "scheme+driver" names
// the driver itself).
var pyURLDrivers = map[string][]string{
	"postgresql": {"psycopg2"}, "postgres": {"psycopg2"},
	"mysql": {"MySQLdb"}, "mariadb": {"MySQLdb"},
	"oracle": {"cx_Oracle"}, "mssql": {"pyodbc"},
	"redis": {"redis"}, "rediss": {"redis"},
	"mongodb": {"pymongo"}, "mongodb+srv": {"pymongo"},
	"amqp": {"amqp"}, "amqps": {"amqp"},
}

// pyStringDrivers maps the dotted names frameworks load backends by to the
// driver modules those backends import.
var pyStringDrivers = map[string][]string{
	"django.db.backends.postgresql":                        {"psycopg2", "psycopg"},
	"django.db.backends.postgresql_psycopg2":               {"psycopg2"},
	"django.contrib.gis.db.backends.postgis":               {"psycopg2", "psycopg"},
	"django.db.backends.mysql":                             {"MySQLdb", "pymysql"},
	"django.contrib.gis.db.backends.mysql":                 {"MySQLdb", "pymysql"},
	"django.db.backends.oracle":                            {"cx_Oracle", "oracledb"},
	"django_redis.cache.RedisCache":                        {"redis"},
	"django.core.cache.backends.redis.RedisCache":          {"redis"},
	"django.core.cache.backends.memcached.PyMemcacheCache": {"pymemcache"},
}
