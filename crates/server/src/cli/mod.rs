//! The `marketplace` command line: the contract scripts, docs and tests rely on (DESIGN §4).

mod import;
mod listen;
mod output;
mod provisioning;
mod quickstart;
mod shell;
mod token;
mod warehouse;

use crate::app::AppState;
use clap::{Args, Parser, Subcommand, ValueEnum};
use listen::ListenArgs;
use marketplace_app::model::{DatabaseUrl, SlackConfiguration};
use marketplace_app::provisioning::ProvisioningSettings;
use marketplace_domain::Segment;
use output::{Stdout, note};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "marketplace",
    version,
    about = "A self-hosted data access marketplace that speaks the Immuta Request app API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server
    Serve {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        listen: ListenArgs,
    },
    /// Create the database, import the demo directory, print a token for each demo user, then serve
    Quickstart {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        listen: ListenArgs,
        /// Import this directory file instead of the built-in demo tenant
        #[arg(long, value_name = "FILE")]
        directory: Option<PathBuf>,
        /// A PostgreSQL database to provision the demo tenant's access into, as a superuser
        /// (postgres://SUPERUSER@HOST:PORT/DB): its demo tables and roles are created when missing
        #[arg(long, value_name = "URL")]
        warehouse: Option<String>,
    },
    /// Manage the governance directory
    Directory {
        #[command(subcommand)]
        command: DirectoryCommand,
    },
    /// Manage personal access tokens
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Print a link that signs a user in to the web app: valid for 10 minutes, once
    SignInLink {
        /// The tenant's short key
        #[arg(long, value_name = "SHORTKEY")]
        tenant: String,
        /// The user's username
        #[arg(long, value_name = "USERNAME")]
        user: String,
        /// Where people reach this deployment (https://data.example.com); by default the local quickstart address
        #[arg(
            long,
            env = "MARKETPLACE_PUBLIC_URL",
            value_name = "URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Manage a tenant's Slack notifications configuration
    Slack {
        #[command(subcommand)]
        command: SlackCommand,
    },
    /// See and run provisioning: approved access as privileges in the data platforms
    Provisioning {
        #[command(subcommand)]
        command: ProvisioningCommand,
    },
    /// Print the OpenAPI document
    Openapi {
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Yaml)]
        format: Format,
    },
    /// Apply database migrations and exit
    Migrate {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum DirectoryCommand {
    /// Sync one tenant's directory from a YAML file: create, update and remove exactly what differs
    Import {
        /// The directory file
        file: PathBuf,
        /// Print what would change without changing anything
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ProvisioningCommand {
    /// Each connection of each tenant: reachable, last cycle, applied / pending / failed, drift repaired
    Status {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Run a cycle of every connection now, and print the statements it ran
    Reconcile {
        /// Print the statements a cycle would run, and change nothing
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a personal access token and print it (alone, on stdout)
    Create {
        /// The tenant's short key
        #[arg(long, value_name = "SHORTKEY")]
        tenant: String,
        /// The user's username
        #[arg(long, value_name = "USERNAME")]
        user: String,
        /// What the token is for
        #[arg(long, default_value = "Created with the marketplace command line")]
        description: String,
        /// Lifetime such as 90m, 12h, 30d or 2w; without it the token never expires
        #[arg(long, value_name = "DURATION", value_parser = token::parse_lifetime)]
        expires_in: Option<i64>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum SlackCommand {
    /// Connect a tenant to a Slack workspace, replacing any earlier one
    Configure {
        /// The tenant's short key
        #[arg(long, value_name = "SHORTKEY")]
        tenant: String,
        /// The workspace's id (T…)
        #[arg(long)]
        team_id: String,
        /// The workspace's name
        #[arg(long)]
        team_name: String,
        /// The bot user's id (U…)
        #[arg(long)]
        bot_user_id: String,
        /// The Enterprise Grid organisation's id, if any
        #[arg(long)]
        enterprise_id: Option<String>,
        /// The Enterprise Grid organisation's name, if any
        #[arg(long)]
        enterprise_name: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Yaml,
    Json,
}

/// Flags shared by every command that touches the database.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB (default: a SQLite file in the data directory)
    #[arg(long, env = "MARKETPLACE_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
    /// With PostgreSQL: how many connections reads share (default: twice the CPUs of this machine; more for a
    /// server with more CPUs or far away). Transactions have 16 of their own.
    #[arg(long, env = "MARKETPLACE_POSTGRES_READ_CONNECTIONS", value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..=1000))]
    postgres_read_connections: Option<u16>,
    /// Where the embedded database lives
    #[arg(
        long,
        env = "MARKETPLACE_DATA_DIR",
        value_name = "DIR",
        default_value = "./marketplace-data"
    )]
    data_dir: PathBuf,
    /// The global segment of this deployment: na, eu or ap
    #[arg(
        long,
        env = "MARKETPLACE_GLOBAL_SEGMENT",
        value_name = "SEGMENT",
        default_value = "na"
    )]
    global_segment: Segment,
    /// Secret that signs tokens (default: a key generated at first start and kept in the database)
    #[arg(long, env = "MARKETPLACE_SIGNING_KEY", value_name = "SECRET", hide_env_values = true)]
    signing_key: Option<String>,
    /// How often every connection's privileges are compared with what should exist, to repair drift (access
    /// changes are provisioned within a second regardless)
    #[arg(long, env = "MARKETPLACE_PROVISIONING_INTERVAL", value_name = "DURATION", default_value = "30s",
        value_parser = token::parse_timeout)]
    provisioning_interval: std::time::Duration,
}

impl DatabaseArgs {
    fn url(&self) -> anyhow::Result<DatabaseUrl> {
        let url = match &self.database_url {
            Some(url) => DatabaseUrl::parse(url)?,
            None => DatabaseUrl::Sqlite {
                path: self.data_dir.join("marketplace.db"),
                synchronous_normal: false,
            },
        };
        match (url, self.postgres_read_connections) {
            (DatabaseUrl::Postgres { url, .. }, Some(connections)) => Ok(DatabaseUrl::Postgres {
                url,
                read_connections: connections.into(),
            }),
            (DatabaseUrl::Sqlite { .. }, Some(_)) => {
                anyhow::bail!("--postgres-read-connections is for a PostgreSQL database; this one is SQLite")
            }
            (url, None) => Ok(url),
        }
    }

    async fn state(&self) -> anyhow::Result<AppState> {
        self.state_with(Default::default()).await
    }

    /// The state, provisioning with `settings` (the interval from the flags).
    async fn state_with(&self, settings: ProvisioningSettings) -> anyhow::Result<AppState> {
        let mut state = AppState::open(&self.url()?, self.global_segment, self.signing_key.as_deref()).await?;
        let settings = ProvisioningSettings {
            interval: self.provisioning_interval,
            ..settings
        };
        state.app = state.app.with_provisioning(settings);
        Ok(state)
    }
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            note(&format!("error: cannot start the runtime: {error}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            note(&format!("error: {error:#}"));
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve { database, listen } => {
            let _flush = crate::logging::init(listen.log_format);
            let mut state = database.state().await?;
            listen.configure(&mut state);
            let shutdown = shutdown_signal();
            let jobs = crate::jobs::spawn(state.clone());
            let app = listen.bind(state).await?;
            tracing::info!(
                address = %app.local_addr()?,
                segment = %database.global_segment,
                database = %database.url()?.redacted(),
                "marketplace is serving under /marketplace"
            );
            app.run_until(shutdown).await?;
            jobs.stop(crate::jobs::SHUTDOWN_GRACE).await;
            Ok(())
        }
        Command::Quickstart {
            database,
            listen,
            directory,
            warehouse,
        } => {
            let _flush = crate::logging::init(listen.log_format);
            quickstart::run(database, listen, directory, warehouse).await
        }
        Command::Directory {
            command:
                DirectoryCommand::Import {
                    file,
                    dry_run,
                    database,
                },
        } => import::run(&file, dry_run, &database).await,
        Command::Token {
            command:
                TokenCommand::Create {
                    tenant,
                    user,
                    description,
                    expires_in,
                    database,
                },
        } => {
            let state = database.state().await?;
            let token = token::create(&state, &tenant, &user, &description, expires_in).await?;
            Stdout::default().line(&token)?;
            Ok(())
        }
        Command::SignInLink {
            tenant,
            user,
            public_url,
            database,
        } => {
            let state = database.state().await?;
            let link = state.app.create_sign_in_link(&tenant, &user).await?;
            let url = format!(
                "{}{}",
                public_url.trim_end_matches('/'),
                crate::web::paths::sign_in_link(&link.token)
            );
            Stdout::default().line(&url)?;
            Ok(())
        }
        Command::Slack {
            command:
                SlackCommand::Configure {
                    tenant,
                    team_id,
                    team_name,
                    bot_user_id,
                    enterprise_id,
                    enterprise_name,
                    database,
                },
        } => {
            let state = database.state().await?;
            let configuration = SlackConfiguration {
                team_id,
                team_name,
                bot_user_id,
                enterprise_id,
                enterprise_name,
            };
            let tenant = state.app.configure_slack(&tenant, &configuration).await?;
            note(&format!(
                "tenant {}: Slack workspace {} configured",
                tenant.short_key, configuration.team_name
            ));
            Ok(())
        }
        Command::Provisioning {
            command: ProvisioningCommand::Status { database },
        } => provisioning::status(&database.state().await?).await,
        Command::Provisioning {
            command: ProvisioningCommand::Reconcile { dry_run, database },
        } => provisioning::reconcile(&database.state().await?, dry_run).await,
        Command::Openapi { format } => {
            let document = crate::openapi::document();
            let text = match format {
                Format::Yaml => document.to_yaml()?,
                Format::Json => document.to_pretty_json()?,
            };
            Stdout::default().line(&text)?;
            Ok(())
        }
        Command::Migrate { database } => {
            database.state().await?;
            note(&format!("{} is up to date", database.url()?.redacted()));
            Ok(())
        }
    }
}

/// Ctrl-C or SIGTERM: stop accepting, finish what is in flight. The handlers are installed when this is called,
/// not when it is first awaited, so that a signal sent as soon as the server says it listens is not the default
/// action (an exit with nothing finished).
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        async move {
            let (Ok(mut terminate), Ok(mut interrupt)) = (terminate, interrupt) else {
                let _ = tokio::signal::ctrl_c().await;
                return;
            };
            tokio::select! {
                _ = terminate.recv() => {},
                _ = interrupt.recv() => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
