"""Access control beyond "who is this": API token lifecycle, user disable/enable and the
login limits. `sowhat.services.accounts` keeps identity (users, sessions, principals); this
package keeps what an admin does with them, so the CLI and the admin pages share one service.
"""
