//! "Reachable from this deployment, not from the previous one" for every deployment, over a
//! commit graph each commit of which is read once. libgit2's revwalk re-reads every commit
//! for every walk (and the lead time needs a second lookup for the dates): on 5,000 deploy
//! tags that was most of the run. The walk is git's own `limit_list`: commits in committer
//! date order, the base's side marking ancestors uninteresting, stopping when nothing
//! interesting is left in the queue (plus a few steps of slack for clock skew).

use std::collections::{BinaryHeap, HashMap};

use git2::{Oid, Repository};

/// What the four keys need of a commit.
pub struct Node {
    pub committer: i64,
    pub author: i64,
    parents: Vec<Oid>,
}

/// Commits read so far.
pub struct Graph<'r> {
    repo: &'r Repository,
    nodes: HashMap<Oid, Node>,
}

const SEEN: u8 = 1;
const UNINTERESTING: u8 = 2;
const SHIPPED: u8 = 4;
/// Extra steps once only uninteresting commits are queued, as git takes, for commits whose
/// dates are out of order.
const SLACK: usize = 5;

impl<'r> Graph<'r> {
    pub fn new(repo: &'r Repository) -> Graph<'r> {
        Graph {
            repo,
            nodes: HashMap::new(),
        }
    }

    pub fn node(&mut self, id: Oid) -> Result<&Node, git2::Error> {
        if !self.nodes.contains_key(&id) {
            let commit = self.repo.find_commit(id)?;
            let node = Node {
                committer: commit.committer().when().seconds(),
                author: commit.author().when().seconds(),
                parents: commit.parent_ids().collect(),
            };
            self.nodes.insert(id, node);
        }
        Ok(&self.nodes[&id])
    }

    /// The commits reachable from `head` and not from `base`, newest first.
    pub fn shipped(&mut self, head: Oid, base: Option<Oid>) -> Result<Vec<Oid>, git2::Error> {
        if Some(head) == base {
            return Ok(Vec::new());
        }
        let mut flags: HashMap<Oid, u8> = HashMap::new();
        let mut queue: BinaryHeap<(i64, Oid)> = BinaryHeap::new();
        flags.insert(head, SEEN);
        queue.push((self.node(head)?.committer, head));
        if let Some(base) = base {
            flags.insert(base, SEEN | UNINTERESTING);
            queue.push((self.node(base)?.committer, base));
        }
        let mut shipped = Vec::new();
        let mut slack = SLACK;
        while let Some((_, id)) = queue.pop() {
            let flag = flags[&id];
            let parents = self.node(id)?.parents.clone();
            if flag & UNINTERESTING != 0 {
                for parent in parents {
                    let f = flags.entry(parent).or_insert(0);
                    if *f & UNINTERESTING == 0 {
                        // Also when it was queued or shipped as interesting: it is not new.
                        *f |= SEEN | UNINTERESTING;
                        queue.push((self.node(parent)?.committer, parent));
                    }
                }
            } else if flag & SHIPPED == 0 {
                flags.insert(id, flag | SHIPPED);
                shipped.push(id);
                for parent in parents {
                    let f = flags.entry(parent).or_insert(0);
                    if *f & SEEN == 0 {
                        *f |= SEEN;
                        queue.push((self.node(parent)?.committer, parent));
                    }
                }
            }
            let interesting_left = queue.iter().any(|(_, q)| flags[q] & UNINTERESTING == 0);
            if !interesting_left {
                if slack == 0 {
                    break;
                }
                slack -= 1;
            } else {
                slack = SLACK;
            }
        }
        shipped.retain(|id| flags[id] & UNINTERESTING == 0);
        Ok(shipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(repo: &Repository, parents: &[Oid], at: i64, name: &str) -> Oid {
        let sig = git2::Signature::new("t", "t@example.test", &git2::Time::new(at, 0)).unwrap();
        let mut index = repo.index().unwrap();
        let blob = repo.blob(name.as_bytes()).unwrap();
        index
            .add(&git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: 0o100644,
                uid: 0,
                gid: 0,
                file_size: 0,
                id: blob,
                flags: 0,
                flags_extended: 0,
                path: name.as_bytes().to_vec(),
            })
            .unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let parents: Vec<git2::Commit> = parents
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        repo.commit(None, &sig, &sig, name, &tree, &refs).unwrap()
    }

    fn revwalk(repo: &Repository, head: Oid, base: Option<Oid>) -> Vec<Oid> {
        let mut walk = repo.revwalk().unwrap();
        walk.push(head).unwrap();
        if let Some(base) = base {
            walk.hide(base).unwrap();
        }
        let mut ids: Vec<Oid> = walk.map(Result::unwrap).collect();
        ids.sort();
        ids
    }

    /// Merges, a branch dated before the mainline (as rebased or long-lived branches are),
    /// a skewed commit and rollbacks give the same sets as libgit2's revwalk for every pair.
    #[test]
    fn agrees_with_libgit2_on_every_pair() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let a = commit(&repo, &[], 1000, "a");
        let b = commit(&repo, &[a], 2000, "b");
        let f1 = commit(&repo, &[a], 1500, "f1");
        let f2 = commit(&repo, &[f1], 1600, "f2");
        let m = commit(&repo, &[b, f2], 3000, "m");
        let skewed = commit(&repo, &[m], 500, "skewed");
        let c = commit(&repo, &[skewed], 4000, "c");
        let side = commit(&repo, &[b], 3500, "side");
        let m2 = commit(&repo, &[c, side], 5000, "m2");
        let all = [a, b, f1, f2, m, skewed, c, side, m2];
        let mut graph = Graph::new(&repo);
        for head in all {
            for base in all.iter().map(|b| Some(*b)).chain([None]) {
                let mut ours = graph.shipped(head, base).unwrap();
                ours.sort();
                assert_eq!(ours, revwalk(&repo, head, base), "{head} not {base:?}");
            }
        }
    }
}
