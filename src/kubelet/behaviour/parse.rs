//! Parses the POSIX sh subset of exercise one-liners into an AST, once per script; anything
//! outside the subset is an error naming the construct, never a guess.

use std::mem;
use std::rc::Rc;

/// A shared AST node: frames of the running interpreter hold on to the parts they still run.
pub(super) type N = Rc<Node>;

#[derive(Debug)]
pub(super) enum Node {
    Simple(Simple),
    Pipeline(Vec<Simple>),
    List(Rc<[N]>),
    AndOr {
        lhs: N,
        and: bool,
        rhs: N,
    },
    Not(N),
    If {
        arms: Rc<[(N, N)]>,
        otherwise: Option<N>,
    },
    Loop {
        until: bool,
        cond: N,
        body: N,
    },
    For {
        var: String,
        words: Vec<Word>,
        body: N,
    },
    Subshell(N),
}

/// `NAME=value ... word ... redirection ...`
#[derive(Debug, Default)]
pub(super) struct Simple {
    pub(super) assigns: Vec<(String, Word)>,
    pub(super) words: Vec<Word>,
    pub(super) redirs: Vec<Redir>,
}

#[derive(Debug)]
pub(super) struct Redir {
    pub(super) fd: usize,
    pub(super) op: RedirOp,
    pub(super) target: Word,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RedirOp {
    Write,
    Append,
    Read,
    /// `>&N`
    Dup,
}

/// A word as typed: pieces, each quoted or not (unquoted expansions are split into fields).
#[derive(Debug, Default)]
pub(super) struct Word(pub(super) Vec<Part>);

#[derive(Debug)]
pub(super) struct Part {
    pub(super) quoted: bool,
    pub(super) piece: Piece,
}

#[derive(Debug)]
pub(super) enum Piece {
    Lit(String),
    /// `$NAME`, `${NAME}`, `${NAME:-default}` (the default is taken literally), `$?`, `$1`...
    Param {
        name: String,
        default: Option<String>,
    },
    /// `$(...)` or backticks.
    Sub(N),
}

impl Simple {
    /// A command whose words are taken as they are (an argv from the manifest or `exec`).
    pub(super) fn literal(argv: Vec<String>) -> Simple {
        let words = argv
            .into_iter()
            .map(|word| Word(vec![Part::lit(word, true)]));
        let words = words.collect();
        Simple {
            words,
            ..Simple::default()
        }
    }
}

impl Part {
    fn lit(text: String, quoted: bool) -> Part {
        let piece = Piece::Lit(text);
        Part { quoted, piece }
    }
}

impl Word {
    /// The word's text when it is a single unquoted literal, as reserved words must be.
    fn keyword(&self) -> Option<&str> {
        match self.0.as_slice() {
            [part] if !part.quoted => match &part.piece {
                Piece::Lit(text) => Some(text),
                _ => None,
            },
            _ => None,
        }
    }
}

#[derive(Debug)]
enum Tok {
    Word(Word),
    Op(&'static str),
    Redir(usize, RedirOp),
    Newline,
    Eof,
}

const OPERATORS: &[&str] = &[
    "&&", "||", ";;", "<<", ">>", ">&", "<&", "&", "|", ";", "(", ")", "<", ">",
];

/// Reserved words that end a list (the construct that began it expects one of them).
const LIST_ENDS: &[&str] = &["then", "elif", "else", "fi", "do", "done", "}"];

/// Parses a whole script.
pub(super) fn parse(script: &str) -> Result<N, String> {
    let mut parser = Parser {
        chars: script.chars().collect(),
        pos: 0,
        peeked: None,
    };
    let node = parser.list()?;
    match parser.next()? {
        Tok::Eof => Ok(node),
        tok => Err(unexpected(&tok)),
    }
}

fn unsupported(what: &str) -> String {
    format!("unsupported shell construct: {what}")
}

fn unexpected(tok: &Tok) -> String {
    let what = match tok {
        Tok::Word(word) => format!("\"{}\"", word.keyword().unwrap_or("word")),
        Tok::Op(op) => format!("\"{op}\""),
        Tok::Redir(..) => "redirection".to_string(),
        Tok::Newline => "newline".to_string(),
        Tok::Eof => "end of script".to_string(),
    };
    format!("syntax error: unexpected {what}")
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// `NAME=value` at the start of a word makes an assignment.
fn split_assignment(mut word: Word) -> Result<(String, Word), Word> {
    let first = word.0.first_mut().filter(|part| !part.quoted);
    if let Some(Piece::Lit(text)) = first.map(|part| &mut part.piece) {
        if let Some(eq) = text.find('=').filter(|eq| is_name(&text[..*eq])) {
            let name = text[..eq].to_string();
            text.drain(..=eq);
            return Ok((name, word));
        }
    }
    Err(word)
}

fn push_literal(parts: &mut Vec<Part>, text: &mut String, quoted: bool) {
    if !text.is_empty() {
        parts.push(Part::lit(mem::take(text), quoted));
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    peeked: Option<Tok>,
}

impl Parser {
    fn char_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn peek(&mut self) -> Result<&Tok, String> {
        let tok = match self.peeked.take() {
            Some(tok) => tok,
            None => self.lex()?,
        };
        Ok(self.peeked.insert(tok))
    }

    fn next(&mut self) -> Result<Tok, String> {
        match self.peeked.take() {
            Some(tok) => Ok(tok),
            None => self.lex(),
        }
    }

    fn peek_keyword(&mut self) -> Result<Option<String>, String> {
        Ok(match self.peek()? {
            Tok::Word(word) => word.keyword().map(str::to_string),
            Tok::Op("(") => Some("(".to_string()),
            _ => None,
        })
    }

    fn expect(&mut self, what: &str) -> Result<(), String> {
        match self.next()? {
            Tok::Word(word) if word.keyword() == Some(what) => Ok(()),
            Tok::Op(op) if op == what => Ok(()),
            tok => Err(format!("{}, expected \"{what}\"", unexpected(&tok))),
        }
    }

    fn skip_newlines(&mut self) -> Result<(), String> {
        while matches!(self.peek()?, Tok::Newline) {
            self.next()?;
        }
        Ok(())
    }

    /// Commands separated by `;` or newlines, up to a reserved word, `)` or the end.
    fn list(&mut self) -> Result<N, String> {
        let mut items = Vec::new();
        loop {
            self.skip_newlines()?;
            let end = match self.peek()? {
                Tok::Eof | Tok::Op(")") => true,
                Tok::Word(word) => word.keyword().is_some_and(|kw| LIST_ENDS.contains(&kw)),
                _ => false,
            };
            if end {
                break;
            }
            items.push(self.and_or()?);
            match self.next()? {
                Tok::Op(";") | Tok::Newline => {}
                Tok::Op("&") => return Err(unsupported("background job \"&\"")),
                tok => {
                    self.peeked = Some(tok);
                    break;
                }
            }
        }
        match items.len() {
            0 => Err(unexpected(self.peek()?)),
            1 => Ok(items.remove(0)),
            _ => Ok(Rc::new(Node::List(items.into()))),
        }
    }

    fn and_or(&mut self) -> Result<N, String> {
        let mut lhs = self.pipeline()?;
        loop {
            let and = match self.peek()? {
                Tok::Op("&&") => true,
                Tok::Op("||") => false,
                _ => return Ok(lhs),
            };
            self.next()?;
            self.skip_newlines()?;
            let rhs = self.pipeline()?;
            lhs = Rc::new(Node::AndOr { lhs, and, rhs });
        }
    }

    fn pipeline(&mut self) -> Result<N, String> {
        let negate = self.peek_keyword()?.as_deref() == Some("!");
        if negate {
            self.next()?;
        }
        let mut stages = vec![self.command()?];
        while matches!(self.peek()?, Tok::Op("|")) {
            self.next()?;
            self.skip_newlines()?;
            stages.push(self.command()?);
        }
        let node = match stages.len() {
            1 => stages.remove(0),
            _ => {
                let simple = stages.into_iter().map(|stage| match Rc::try_unwrap(stage) {
                    Ok(Node::Simple(simple)) => Ok(simple),
                    _ => Err(unsupported("a pipeline of compound commands")),
                });
                Rc::new(Node::Pipeline(simple.collect::<Result<_, _>>()?))
            }
        };
        Ok(if negate {
            Rc::new(Node::Not(node))
        } else {
            node
        })
    }

    fn command(&mut self) -> Result<N, String> {
        let Some(keyword) = self.peek_keyword()? else {
            return self.simple();
        };
        let node = match keyword.as_str() {
            "if" => return self.if_clause(),
            "for" => return self.for_clause(),
            "while" | "until" => {
                self.next()?;
                let cond = self.list()?;
                let body = self.do_group()?;
                Node::Loop {
                    until: keyword == "until",
                    cond,
                    body,
                }
            }
            "{" => {
                self.next()?;
                let body = self.list()?;
                self.expect("}")?;
                return Ok(body);
            }
            "(" => {
                self.next()?;
                let body = self.list()?;
                self.expect(")")?;
                Node::Subshell(body)
            }
            "case" | "function" | "select" | "[[" => {
                return Err(unsupported(&format!("\"{keyword}\"")));
            }
            _ => return self.simple(),
        };
        Ok(Rc::new(node))
    }

    fn do_group(&mut self) -> Result<N, String> {
        self.skip_newlines()?;
        self.expect("do")?;
        let body = self.list()?;
        self.expect("done")?;
        Ok(body)
    }

    fn if_clause(&mut self) -> Result<N, String> {
        self.next()?;
        let mut arms = Vec::new();
        loop {
            let cond = self.list()?;
            self.expect("then")?;
            arms.push((cond, self.list()?));
            let tok = self.next()?;
            let otherwise = match tok {
                Tok::Word(ref word) => match word.keyword() {
                    Some("elif") => continue,
                    Some("fi") => None,
                    Some("else") => Some(self.list()?),
                    _ => return Err(unexpected(&tok)),
                },
                _ => return Err(unexpected(&tok)),
            };
            if otherwise.is_some() {
                self.expect("fi")?;
            }
            let arms = arms.into();
            return Ok(Rc::new(Node::If { arms, otherwise }));
        }
    }

    fn for_clause(&mut self) -> Result<N, String> {
        self.next()?;
        let var = match self.next()? {
            Tok::Word(word) => word
                .keyword()
                .filter(|name| is_name(name))
                .map(str::to_string),
            _ => None,
        };
        let var = var.ok_or("syntax error: bad for loop variable")?;
        self.skip_newlines()?;
        if self.peek_keyword()?.as_deref() != Some("in") {
            return Err(unsupported("\"for\" without \"in\""));
        }
        self.next()?;
        let mut words = Vec::new();
        loop {
            match self.next()? {
                Tok::Word(word) => words.push(word),
                Tok::Op(";") | Tok::Newline => break,
                tok => return Err(unexpected(&tok)),
            }
        }
        let body = self.do_group()?;
        Ok(Rc::new(Node::For { var, words, body }))
    }

    fn simple(&mut self) -> Result<N, String> {
        let mut cmd = Simple::default();
        loop {
            match self.next()? {
                Tok::Word(word) if cmd.words.is_empty() => match split_assignment(word) {
                    Ok(assign) => cmd.assigns.push(assign),
                    Err(word) => cmd.words.push(word),
                },
                Tok::Word(word) => cmd.words.push(word),
                Tok::Redir(fd, op) => match self.next()? {
                    Tok::Word(target) => cmd.redirs.push(Redir { fd, op, target }),
                    tok => return Err(unexpected(&tok)),
                },
                Tok::Op("(") if cmd.words.len() == 1 => {
                    return Err(unsupported("function definitions"));
                }
                tok => {
                    self.peeked = Some(tok);
                    break;
                }
            }
        }
        if cmd.words.is_empty() && cmd.assigns.is_empty() && cmd.redirs.is_empty() {
            return Err(unexpected(self.peek()?));
        }
        Ok(Rc::new(Node::Simple(cmd)))
    }

    fn lex(&mut self) -> Result<Tok, String> {
        loop {
            match self.char_at(0) {
                Some(' ' | '\t' | '\r') => self.pos += 1,
                Some('\\') if self.char_at(1) == Some('\n') => self.pos += 2,
                Some('#') => {
                    while !matches!(self.char_at(0), None | Some('\n')) {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        let Some(c) = self.char_at(0) else {
            return Ok(Tok::Eof);
        };
        if c == '\n' {
            self.pos += 1;
            return Ok(Tok::Newline);
        }
        let digits = self.chars[self.pos..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let fd = match self.char_at(digits) {
            Some('>' | '<') if digits > 0 => {
                let fd: String = self.chars[self.pos..self.pos + digits].iter().collect();
                self.pos += digits;
                Some(
                    fd.parse()
                        .map_err(|_| unsupported("file descriptor number"))?,
                )
            }
            _ => None,
        };
        for op in OPERATORS {
            if op
                .chars()
                .enumerate()
                .all(|(i, c)| self.char_at(i) == Some(c))
            {
                self.pos += op.len();
                let redir = |default, op| Ok(Tok::Redir(fd.unwrap_or(default), op));
                return match *op {
                    ">" => redir(1, RedirOp::Write),
                    ">>" => redir(1, RedirOp::Append),
                    ">&" => redir(1, RedirOp::Dup),
                    "<" => redir(0, RedirOp::Read),
                    "<<" => Err(unsupported("here-document \"<<\"")),
                    "<&" | ";;" => Err(unsupported(&format!("\"{op}\""))),
                    op => Ok(Tok::Op(op)),
                };
            }
        }
        self.word().map(Tok::Word)
    }

    fn word(&mut self) -> Result<Word, String> {
        let (mut parts, mut text) = (Vec::new(), String::new());
        while let Some(c) = self.char_at(0) {
            if " \t\r\n;&|()<>".contains(c) {
                break;
            }
            push_literal(&mut parts, &mut text, false);
            match c {
                '\'' => {
                    self.pos += 1;
                    parts.push(Part::lit(self.until('\'')?, true));
                }
                '"' => {
                    self.pos += 1;
                    self.double_quoted(&mut parts)?;
                }
                '\\' => {
                    let escaped = self.char_at(1);
                    self.pos += 1 + usize::from(escaped.is_some());
                    if let Some(escaped) = escaped.filter(|c| *c != '\n') {
                        text.push(escaped);
                        push_literal(&mut parts, &mut text, true);
                    }
                }
                '$' | '`' => parts.push(self.expansion(false)?),
                c => {
                    // Gather a run of plain characters into one literal.
                    self.pos += 1;
                    text.push(c);
                    while let Some(c) = self
                        .char_at(0)
                        .filter(|c| !" \t\r\n;&|()<>'\"\\$`".contains(*c))
                    {
                        self.pos += 1;
                        text.push(c);
                    }
                }
            }
        }
        push_literal(&mut parts, &mut text, false);
        Ok(Word(parts))
    }

    /// Text up to `end`, which is consumed.
    fn until(&mut self, end: char) -> Result<String, String> {
        let len = self.chars[self.pos..].iter().position(|c| *c == end);
        let len = len.ok_or_else(|| format!("syntax error: missing {end}"))?;
        let text = self.chars[self.pos..self.pos + len].iter().collect();
        self.pos += len + 1;
        Ok(text)
    }

    fn double_quoted(&mut self, parts: &mut Vec<Part>) -> Result<(), String> {
        // An empty quoted piece, so `""` still makes a (empty) field.
        let mut text = String::new();
        parts.push(Part::lit(String::new(), true));
        loop {
            match self.char_at(0) {
                None => return Err("syntax error: missing \"".to_string()),
                Some('"') => break,
                Some('\\') if matches!(self.char_at(1), Some('$' | '`' | '"' | '\\' | '\n')) => {
                    text.extend(self.char_at(1).filter(|c| *c != '\n'));
                    self.pos += 2;
                }
                Some('$' | '`') => {
                    push_literal(parts, &mut text, true);
                    parts.push(self.expansion(true)?);
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        self.pos += 1;
        push_literal(parts, &mut text, true);
        Ok(())
    }

    /// `$...` or a backtick substitution, at the current position.
    fn expansion(&mut self, quoted: bool) -> Result<Part, String> {
        let backtick = self.char_at(0) == Some('`');
        self.pos += 1;
        let piece = match self.char_at(0) {
            _ if backtick => {
                let inner = self.until('`')?.replace("\\`", "`");
                Piece::Sub(parse(&inner)?)
            }
            Some('(') if self.char_at(1) == Some('(') => {
                return Err(unsupported("arithmetic expansion \"$((\""));
            }
            Some('(') => {
                self.pos += 1;
                let node = self.list()?;
                self.expect(")")?;
                Piece::Sub(node)
            }
            Some('{') => {
                self.pos += 1;
                let body = self.until('}')?;
                let (name, default) = match body.split_once(":-") {
                    Some((name, default)) => (name.to_string(), Some(default.to_string())),
                    None => (body.clone(), None),
                };
                let special = name.len() == 1 && "?#@*0123456789".contains(&*name);
                if !is_name(&name) && !special {
                    return Err(unsupported(&format!("parameter expansion \"${{{body}}}\"")));
                }
                Piece::Param { name, default }
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let len = self.chars[self.pos..]
                    .iter()
                    .take_while(|c| **c == '_' || c.is_ascii_alphanumeric())
                    .count();
                let name = self.chars[self.pos..self.pos + len].iter().collect();
                self.pos += len;
                Piece::Param {
                    name,
                    default: None,
                }
            }
            Some(c) if "?#$@*0123456789".contains(c) => {
                self.pos += 1;
                let name = c.to_string();
                Piece::Param {
                    name,
                    default: None,
                }
            }
            _ => Piece::Lit("$".to_string()),
        };
        Ok(Part { quoted, piece })
    }
}
