from greeter.server import serve

serve()
