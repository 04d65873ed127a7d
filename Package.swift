// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "fido",
  products: [
    .executable(name: "fido", targets: ["fido"])
  ],
  targets: [
    // libbson is linked; libmongoc is loaded with dlopen by the first client,
    // so only its headers are used, and not through its pkg-config, which
    // would link it (shim.h finds them in their directory under /usr/include).
    .systemLibrary(
      name: "CMongoc", pkgConfig: "libbson-1.0",
      providers: [.apt(["libmongoc-dev"])]),
    // Headers only: libcurl itself is loaded with dlopen when a command needs HTTP.
    .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
    // Headers only: libcrypto is loaded with dlopen to hash or check a password
    // (its pkg-config would link it, and adds no include directory).
    .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
    .target(name: "FidoCore", dependencies: ["CMongoc", "CCurl", "COpenSSL"]),
    .executableTarget(name: "fido", dependencies: ["FidoCore"]),
    .testTarget(name: "FidoCoreTests", dependencies: ["FidoCore"]),
    .testTarget(name: "fidoTests", dependencies: ["fido", "FidoCore"], exclude: ["Snapshots"]),
    .testTarget(name: "IntegrationTests", dependencies: ["FidoCore"]),
  ]
)
