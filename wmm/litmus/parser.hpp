// The parser of C litmus files, inside wmm/litmus: one recursive-descent Parser over the Lexer,
// its members in three files by the part of a litmus file they read (parser.cpp: the header, the
// initial state and the processes; parser_code.cpp: the processes' statements and expressions;
// parser_final.cpp: the final condition). Not an interface: ast.hpp has parse() and read_file().
#pragma once

#include <cstdint>
#include <string>

#include "wmm/litmus/ast.hpp"
#include "wmm/litmus/lexer.hpp"

namespace lsmc::wmm::litmus {

class Parser {
public:
  Parser(const std::string& text, const std::string& file) : lex_(text, file), text_(text) {}
  Test parse();

private:
  // Top level (parser.cpp): the header, the initial state, the processes.
  // The first "Result: WORD" of the file's comments.
  std::string result_word() const;
  Token expect(const char* punct, const char* where);
  std::string expect_ident(const char* what);
  int64_t signed_number(const char* what);
  // The N of "N:" or "PN:", a process number.
  int process_number(const Token& t);
  // "N:name" or "PN:name" for registers; returns -1 and the name for shared variables.
  int proc_prefix(std::string* name);
  void parse_init(Test& t);
  InitItem parse_init_item();
  // A value in the initial state or a condition: a number, a variable (its address) or &variable.
  void parse_value(int64_t* value, std::string* address_of, int line);
  bool is_proc_start();
  Proc parse_proc(int expected);
  Param parse_param();

  // Statements and expressions (parser_code.cpp).
  bool starts_declaration() const;
  Stmt parse_stmt();
  Stmt parse_if();
  // "int r0, *r1 = READ_ONCE(*x);" becomes one kDecl per declarator, inside a block.
  Stmt parse_decl();
  Expr parse_assign();
  Expr parse_ternary();
  static int precedence(const Token& t);
  Expr parse_binary(int min);
  Expr parse_unary();
  Expr parse_postfix();
  Expr parse_primary();
  Expr parse_expr() { return parse_assign(); }

  // Final conditions (parser_final.cpp).
  void parse_finals(Test& t);
  void parse_locations(Test& t);
  Cond parse_disj();
  Cond parse_conj();
  Cond parse_unit();
  // cond := disj; disj := conj ('\/' conj)*; conj := unit ('/\' unit)*;
  // unit := '~' unit | '(' cond ')' | 'true' | 'false' | atom
  Cond parse_cond() { return parse_disj(); }

  Lexer lex_;
  const std::string& text_;
};

}  // namespace lsmc::wmm::litmus
