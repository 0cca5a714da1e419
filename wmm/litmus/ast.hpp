// A C litmus test as the kernel's tools/memory-model/litmus-tests write them: a "C NAME" line,
// optional comments (the header's "Result:" line is kept), the initial state, one function per
// process (P0, P1, ...) over pointers to shared variables, then "exists (...)" (or "~exists",
// "forall"), optionally "locations [...]" and "filter (...)".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lsmc::wmm::litmus {

// Bad input: the message already reads "FILE:LINE: what".
class LitmusError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct Expr {
  enum class K : uint8_t { kConst, kName, kDeref, kAddrOf, kUnary, kBinary, kTernary, kCall };
  K k = K::kConst;
  int64_t value = 0;
  std::string name;  // kName, kCall (the function), kAddrOf (the variable)
  std::string op;    // kUnary, kBinary
  std::vector<Expr> args;
  int line = 0;
};

struct Stmt {
  enum class K : uint8_t { kDecl, kExpr, kIf, kBlock };
  K k = K::kExpr;
  std::string name;               // kDecl: the local
  std::optional<Expr> expr;       // kDecl: its initialiser; kExpr: the expression; kIf: condition
  std::vector<Stmt> body;         // kIf: then; kBlock: the statements
  std::vector<Stmt> else_body;    // kIf
  int line = 0;
};

struct Param {
  std::string type;  // "int", "spinlock_t", "struct srcu_struct", ...
  std::string name;
  int pointers = 0;
};

struct Proc {
  int index = 0;
  std::vector<Param> params;
  std::vector<Stmt> body;
  int line = 0;
};

// One item of the initial state: "x=1;", "int *y=&z;", "spinlock_t lo;", "1:r0=2;".
struct InitItem {
  int proc = -1;  // >= 0: a register of that process
  std::string name;
  std::string type;
  bool has_value = false;
  int64_t value = 0;
  std::string address_of;  // the value is the address of this variable
  int line = 0;
};

// The final condition's language: atoms "N:reg=V" and "var=V", /\ \/ ~ and parentheses.
struct Cond {
  enum class K : uint8_t { kTrue, kFalse, kAtom, kNot, kAnd, kOr };
  K k = K::kTrue;
  int proc = -1;  // kAtom: -1 for a shared variable
  std::string name;
  bool equal = true;  // "=" (or "=="), else "!="
  int64_t value = 0;
  std::string address_of;  // kAtom: the value is the address of this variable
  std::vector<Cond> kids;
};

// An entry of "locations [...]": extra state to print.
struct Observed {
  int proc = -1;
  std::string name;
};

enum class Quantifier : uint8_t { kExists, kNotExists, kForall };

struct Test {
  std::string file;
  std::string name;
  std::string result;  // the header comment's "Result:" word (Never, Sometimes, Always), if any
  std::vector<InitItem> init;
  std::vector<Proc> procs;
  std::vector<Observed> locations;
  std::optional<Cond> filter;
  Quantifier quantifier = Quantifier::kExists;
  Cond cond;
};

// Parses a test; `file` names the input in messages. Throws LitmusError.
Test parse(const std::string& text, const std::string& file);
Test read_file(const std::string& path);

// The condition as text, in the file's notation: "exists (0:r0=1 /\ x=2)".
std::string to_string(const Cond& c);
std::string to_string(Quantifier q);

}  // namespace lsmc::wmm::litmus
