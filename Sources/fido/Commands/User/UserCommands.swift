import FidoCore

enum UserCreate {
  static func run(_ ctx: Context) throws(FidoError) {
    let inv = ctx.invocation
    let config = try ctx.config()
    let name = try PersonName.validate(inv.value("name") ?? "")
    let email = try Email.normalize(inv.value("email") ?? "")
    let phone = try inv.value("phone").map { (p) throws(FidoError) in try Phone.validate(p) }
    let currency = try inv.currency(default: config)
    let opening =
      try inv.value("balance").map { (b) throws(FidoError) in
        try Money.minorUnits(b, currency: currency, allowZero: true)
      } ?? 0
    let hash = try ctx.passwordHashFromStdin()
    let user = try ctx.store().createUser(
      NewUser(
        name: name, email: email, phone: phone, currency: currency, openingBalance: opening,
        passwordHash: hash),
      now: ctx.clock())
    try ctx.emit(user.out)
  }
}

enum UserList {
  static func run(_ ctx: Context) throws(FidoError) {
    let inv = ctx.invocation
    let page = ListPage(limit: try inv.limit())
    let filter = UserFilter(
      email: try inv.value("email").map { (e) throws(FidoError) in try Email.normalize(e) },
      nameContains: inv.value("name-contains"),
      after: try inv.objectID("after", what: "user id"),
      limit: page.queryLimit)
    let store = try ctx.store()
    let out = try ctx.listRenderer()
    try store.listUsers(filter, invalid: { page.skip($0, ctx) }) { (u) throws(FidoError) in
      if page.admit(id: u.id.hex) { try out.write(u.out) }
    }
    try ctx.finishList(out, page, what: "users")
  }
}

enum UserGet {
  static func run(_ ctx: Context) throws(FidoError) {
    let ref = try UserRef.parse(ctx.invocation.argument)
    try ctx.emit(try ctx.store().user(ref).out)
  }
}

enum UserUpdate {
  static func run(_ ctx: Context) throws(FidoError) {
    let inv = ctx.invocation
    let ref = try UserRef.parse(inv.argument)
    var changes = UserChanges()
    if let name = inv.value("name") { changes.name = try PersonName.validate(name) }
    if let email = inv.value("email") { changes.email = try Email.normalize(email) }
    // The parser refuses --phone with --no-phone.
    if inv.flag("no-phone") {
      changes.phone = .some(nil)
    } else if let phone = inv.value("phone") {
      changes.phone = .some(try Phone.validate(phone))
    }
    changes.passwordHash = try ctx.passwordHashFromStdin()
    guard !changes.isEmpty else {
      throw .usage(
        "nothing to update: give --name, --email, --phone, --no-phone or --password-stdin")
    }
    try ctx.emit(try ctx.store().updateUser(ref, changes, now: ctx.clock()).out)
  }
}

enum UserDelete {
  static func run(_ ctx: Context) throws(FidoError) {
    let inv = ctx.invocation
    let ref = try UserRef.parse(inv.argument)
    let store = try ctx.store()
    let user = try store.user(ref)
    let cascade = inv.flag("cascade")
    try ctx.confirm { () throws(FidoError) in
      // A conflict is reported before any prompt (with --yes, by deleteUser).
      if !cascade, try store.hasTransactions(user.id) {
        throw FidoStore.hasTransactionsConflict(user)
      }
      return "delete user \(user.email)\(cascade ? " and all their transactions" : "")"
    }
    try store.deleteUser(user, cascade: cascade, now: ctx.clock())
    try ctx.emit(user.out)
  }
}
