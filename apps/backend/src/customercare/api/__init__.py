"""HTTP routers: admin (JWT), public widget (widget key + Origin), and operations."""
