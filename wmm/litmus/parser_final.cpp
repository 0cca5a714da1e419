// The litmus parser (parser.hpp), part three: the final condition ("exists", "~exists",
// "forall", "locations", "filter") and how a condition prints.
#include "wmm/litmus/parser.hpp"

namespace lsmc::wmm::litmus {

void Parser::parse_finals(Test& t) {
  bool have_condition = false;
  for (;;) {
    const Token w = lex_.peek();
    if (w.k == Token::K::kEnd) break;
    lex_.next();
    if (w.ident("locations")) {
      parse_locations(t);
    } else if (w.ident("filter")) {
      t.filter = parse_cond();
    } else if (w.ident("exists") || w.ident("forall") || w.is("~")) {
      if (have_condition) lex_.fail(w.line, "a second final condition");
      if (w.is("~") && !lex_.next().ident("exists")) lex_.fail(w.line, "expected 'exists' after '~'");
      t.quantifier = w.ident("forall") ? Quantifier::kForall : w.is("~") ? Quantifier::kNotExists : Quantifier::kExists;
      t.cond = parse_cond();
      have_condition = true;
    } else {
      lex_.fail(w.line, "expected 'exists', '~exists', 'forall', 'locations' or 'filter', got '" + w.text + "'");
    }
  }
  if (!have_condition) lex_.fail(lex_.line(), "the test has no final condition ('exists (...)')");
}

void Parser::parse_locations(Test& t) {
  expect("[", "after 'locations'");
  while (!lex_.peek().is("]")) {
    Observed o;
    o.proc = proc_prefix(&o.name);
    t.locations.push_back(o);
    if (lex_.peek().is(";")) lex_.next();
    else if (!lex_.peek().is("]")) lex_.fail(lex_.line(), "expected ';' or ']' in 'locations', got '" + lex_.peek().text + "'");
  }
  lex_.next();
}

Cond Parser::parse_disj() {
  Cond c = parse_conj();
  while (lex_.peek().is("\\/")) {
    lex_.next();
    Cond o;
    o.k = Cond::K::kOr;
    o.kids.push_back(std::move(c));
    o.kids.push_back(parse_conj());
    c = std::move(o);
  }
  return c;
}

Cond Parser::parse_conj() {
  Cond c = parse_unit();
  while (lex_.peek().is("/\\")) {
    lex_.next();
    Cond a;
    a.k = Cond::K::kAnd;
    a.kids.push_back(std::move(c));
    a.kids.push_back(parse_unit());
    c = std::move(a);
  }
  return c;
}

Cond Parser::parse_unit() {
  const Token t = lex_.peek();
  Cond c;
  if (t.is("~") || t.is("!")) {
    lex_.next();
    c.k = Cond::K::kNot;
    c.kids.push_back(parse_unit());
    return c;
  }
  if (t.is("(")) {
    lex_.next();
    c = parse_cond();
    expect(")", "to close '(' in the condition");
    return c;
  }
  if (t.ident("true") || t.ident("false")) {
    lex_.next();
    c.k = t.ident("true") ? Cond::K::kTrue : Cond::K::kFalse;
    return c;
  }
  c.k = Cond::K::kAtom;
  const bool bracket = t.is("[");
  if (bracket) lex_.next();
  c.proc = proc_prefix(&c.name);
  if (bracket) expect("]", "after a bracketed variable");
  const Token op = lex_.next();
  if (op.is("!=")) {
    c.equal = false;
  } else if (!op.is("=") && !op.is("==")) {
    lex_.fail(op.line, "expected '=' in the condition, got '" + op.text + "'");
  }
  parse_value(&c.value, &c.address_of, op.line);
  return c;
}
std::string to_string(Quantifier q) {
  switch (q) {
    case Quantifier::kExists: return "exists";
    case Quantifier::kNotExists: return "~exists";
    case Quantifier::kForall: return "forall";
  }
  return "exists";
}

std::string to_string(const Cond& c) {
  switch (c.k) {
    case Cond::K::kTrue: return "true";
    case Cond::K::kFalse: return "false";
    case Cond::K::kNot: return "~" + to_string(c.kids[0]);
    case Cond::K::kAnd: return "(" + to_string(c.kids[0]) + " /\\ " + to_string(c.kids[1]) + ")";
    case Cond::K::kOr: return "(" + to_string(c.kids[0]) + " \\/ " + to_string(c.kids[1]) + ")";
    case Cond::K::kAtom: break;
  }
  std::string out = c.proc >= 0 ? std::to_string(c.proc) + ":" + c.name : c.name;
  out += c.equal ? "=" : "!=";
  out += c.address_of.empty() ? std::to_string(c.value) : c.address_of;
  return out;
}

}  // namespace lsmc::wmm::litmus
