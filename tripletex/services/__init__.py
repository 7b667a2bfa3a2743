"""The functions that change the Tripletex connection, the wizard and the links."""
