import FidoCore

print("fido skeleton")
