"""The shell: the app factory (``app``), the CLI root (``cli``) and the demo (``demo``). The only
code that imports trading, evaluation and audit together and wires them: blueprints, Socket.IO
namespaces, event subscribers and the tick's jobs. The kernel (the rest of ``bidhall``) never
imports the shell."""
