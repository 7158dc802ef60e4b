//! The tests' own DNS server: authoritative, on a loopback UDP port, for the records a test
//! gives it, so no lookup ever reaches the machine's resolver (`host run --dns` points the
//! guest at it). Every record has TTL 0. Names it knows nothing about are NXDOMAIN; a name
//! that exists without records of the type asked is an empty NOERROR answer (NODATA); CNAMEs
//! are followed inside the zone and put in the answer, as an authoritative server does.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, PTR};
use hickory_proto::rr::{Name, RData, Record, RecordType};

/// What a name answers.
#[derive(Clone, Debug)]
enum Answer {
    /// Its records.
    Records(Vec<RData>),
    /// The A record of the next query in turn (the answer changes: rebinding).
    Rotating(Vec<IpAddr>, usize),
    /// SERVFAIL.
    ServFail,
    /// No answer at all (the client times out).
    Silent,
}

/// The records of a test zone, built before the server starts.
#[derive(Default)]
pub struct Zone {
    names: HashMap<String, Answer>,
}

/// A name as the zone keys it: lower case, without the root's dot.
fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn name(text: &str) -> Name {
    let mut name = Name::from_ascii(text).expect("a valid name");
    name.set_fqdn(true);
    name
}

impl Zone {
    fn record(mut self, owner: &str, data: RData) -> Zone {
        match self
            .names
            .entry(key(owner))
            .or_insert_with(|| Answer::Records(Vec::new()))
        {
            Answer::Records(list) => list.push(data),
            other => panic!("{owner} is already {other:?}"),
        }
        self
    }

    /// An A or AAAA record.
    pub fn addr(self, owner: &str, ip: &str) -> Zone {
        let data = match ip.parse::<IpAddr>().expect("an address") {
            IpAddr::V4(v4) => RData::A(A(v4)),
            IpAddr::V6(v6) => RData::AAAA(AAAA(v6)),
        };
        self.record(owner, data)
    }

    /// A CNAME record: `owner` is an alias of `target`.
    pub fn cname(self, owner: &str, target: &str) -> Zone {
        self.record(owner, RData::CNAME(CNAME(name(target))))
    }

    /// A PTR record for `ip` (under in-addr.arpa or ip6.arpa) naming `target`.
    pub fn ptr(self, ip: &str, target: &str) -> Zone {
        let ip: IpAddr = ip.parse().expect("an address");
        let owner = Name::from(ip).to_ascii();
        self.record(&owner, RData::PTR(PTR(name(target))))
    }

    /// A name whose A record is the next of `ips` at every query, round and round.
    pub fn rotating(mut self, owner: &str, ips: &[&str]) -> Zone {
        let ips = ips
            .iter()
            .map(|ip| ip.parse().expect("an address"))
            .collect();
        self.names.insert(key(owner), Answer::Rotating(ips, 0));
        self
    }

    /// A name the server answers with SERVFAIL.
    pub fn servfail(mut self, owner: &str) -> Zone {
        self.names.insert(key(owner), Answer::ServFail);
        self
    }

    /// A name the server never answers.
    pub fn silent(mut self, owner: &str) -> Zone {
        self.names.insert(key(owner), Answer::Silent);
        self
    }

    /// Starts serving the zone on 127.0.0.1, on a free UDP port.
    pub fn serve(self) -> DnsServer {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind the DNS server");
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let addr = socket.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let queries = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, queries) = (stop.clone(), queries.clone());
            let mut names = self.names;
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while !stop.load(Ordering::Relaxed) {
                    let Ok((n, from)) = socket.recv_from(&mut buf) else {
                        continue;
                    };
                    let Ok(query) = Message::from_vec(&buf[..n]) else {
                        continue;
                    };
                    if let Some(reply) = answer(&mut names, &query, &queries) {
                        let _ = socket.send_to(&reply.to_vec().expect("encode"), from);
                    }
                }
            })
        };
        DnsServer {
            addr,
            stop,
            queries,
            thread: Some(thread),
        }
    }
}

/// The reply to `query`, or `None` to stay silent.
fn answer(
    names: &mut HashMap<String, Answer>,
    query: &Message,
    log: &Mutex<Vec<(String, RecordType)>>,
) -> Option<Message> {
    let question = query.queries.first()?;
    let asked = key(&question.name().to_ascii());
    let kind = question.query_type();
    log.lock().unwrap().push((asked.clone(), kind));
    let mut reply = Message::response(query.metadata.id, query.metadata.op_code);
    reply.metadata.message_type = MessageType::Response;
    reply.metadata.authoritative = true;
    reply.metadata.recursion_desired = query.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    reply.add_query(question.clone());
    let mut owner = asked;
    for _ in 0..8 {
        match names.get_mut(&owner) {
            None => {
                // NXDOMAIN for the name asked; a chain that ends outside the zone is NODATA.
                if reply.answers.is_empty() {
                    reply.metadata.response_code = ResponseCode::NXDomain;
                }
                return Some(reply);
            }
            Some(Answer::Silent) => return None,
            Some(Answer::ServFail) => {
                reply.metadata.response_code = ResponseCode::ServFail;
                return Some(reply);
            }
            Some(Answer::Rotating(ips, next)) => {
                if kind == RecordType::A
                    && let IpAddr::V4(v4) = ips[*next % ips.len()]
                {
                    *next += 1;
                    reply.add_answer(Record::from_rdata(name(&owner), 0, RData::A(A(v4))));
                }
                return Some(reply);
            }
            Some(Answer::Records(list)) => {
                let list = list.clone();
                if let Some(RData::CNAME(target)) =
                    list.iter().find(|d| matches!(d, RData::CNAME(_)))
                {
                    let target = target.0.clone();
                    reply.add_answer(Record::from_rdata(
                        name(&owner),
                        0,
                        RData::CNAME(CNAME(target.clone())),
                    ));
                    owner = key(&target.to_ascii());
                    continue;
                }
                for data in list.into_iter().filter(|d| d.record_type() == kind) {
                    reply.add_answer(Record::from_rdata(name(&owner), 0, data));
                }
                return Some(reply);
            }
        }
    }
    Some(reply)
}

/// A running test DNS server; it stops when dropped.
pub struct DnsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    queries: Arc<Mutex<Vec<(String, RecordType)>>>,
    thread: Option<JoinHandle<()>>,
}

impl DnsServer {
    /// Its address, for `--dns`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The names asked so far, with the record type, in order.
    pub fn queries(&self) -> Vec<(String, String)> {
        self.queries
            .lock()
            .unwrap()
            .iter()
            .map(|(name, kind)| (name.clone(), kind.to_string()))
            .collect()
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
