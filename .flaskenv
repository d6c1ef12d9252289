# Read by `flask` (python-dotenv): every `flask ...` command in the README finds the app
# from a plain shell in the project directory.
FLASK_APP=storefront.app:create_app_or_exit
