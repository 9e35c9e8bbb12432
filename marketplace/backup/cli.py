"""`flask backup …` commands: create, verify, restore."""
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.backup import (
    KIND_LABELS, BackupError, create_backup, read_manifest, restore_backup, verify_backup,
)

backup_cli = AppGroup("backup", help="数据库与附件的备份和恢复")


@contextmanager
def operator_errors():
    """A refused backup or restore → the command's error message and exit status 1."""
    try:
        yield
    except BackupError as exc:
        raise click.ClickException(str(exc))


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count / 1e3:.1f} KB"


def describe(manifest: dict) -> str:
    """A few lines an operator can check a backup by."""
    totals = manifest.get("totals", {})
    rows = sum(manifest["tables"].values())
    attachments = sum(1 for entry in manifest["files"] if entry["role"] == "attachment")
    return "\n".join([
        f"  创建时间：{manifest['created_at']}（UTC）",
        f"  数据库：{KIND_LABELS.get(manifest['database'], manifest['database'])}，"
        f"结构版本 {manifest.get('schema_revision') or '—'}",
        f"  数据：{len(manifest['tables'])} 张表共 {rows:,} 行；附件 {attachments} 个",
        f"  已登记合同 {totals.get('registered_contracts', 0):,} 份，"
        f"合同成交额 {totals.get('contract_amount_fen', 0) / 100:,.2f} 元，"
        f"技术交易额 {totals.get('tech_amount_fen', 0) / 100:,.2f} 元",
    ])


@backup_cli.command("create")
@click.argument("path", required=False, type=click.Path())
def backup_create_command(path):
    """Back up the database and uploaded files into one .tar.gz (default: instance/backups/)."""
    with operator_errors():
        report = create_backup(current_app, path, progress=click.echo)
    click.echo(f"备份完成：{report.path}（{_size(report.size)}，用时 {report.seconds:.1f} 秒）")
    click.echo(describe(report.manifest))
    missing = report.manifest.get("missing_attachments") or []
    if missing:
        click.echo(f"警告：数据库登记的 {len(missing)} 个附件文件在磁盘上找不到，未能备份。", err=True)


@backup_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def backup_verify_command(path):
    """Check every file in an archive against its manifest and read its database back, without restoring."""
    with operator_errors():
        manifest = verify_backup(current_app, path, progress=click.echo)
    click.echo(f"备份文件完好：{path}")
    click.echo(describe(manifest))


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="不再确认，直接用备份覆盖当前数据库")
@click.option("--no-reindex", is_flag=True, help="恢复后不重建本节点的检索索引")
def backup_restore_command(path, yes, no_reindex):
    """Replace the database and files with a backup's (checked first; nothing changes if it is bad)."""
    with operator_errors():
        manifest = read_manifest(path)
    click.echo(f"备份文件：{path}")
    click.echo(describe(manifest))
    if not yes:
        click.confirm("恢复将用这份备份覆盖当前数据库（备份之后的所有改动都会丢失），确定继续吗？", abort=True)
    with operator_errors():
        report = restore_backup(current_app, path, progress=click.echo, reindex=not no_reindex)
    click.echo(f"恢复完成（用时 {report.seconds:.1f} 秒）：数据库已替换，附件与词典 {report.files} 个文件已放回。")
    if report.upgraded_to:
        click.echo(f"数据库结构已升级到 {report.upgraded_to}。")
    for line in report.differences:
        click.echo(f"注意：{line}（网站仍在运行时可能是恢复后的新写入）", err=True)
    if report.indexed is None:
        click.echo("请运行 flask search reindex 重建本节点的检索索引。")
    else:
        click.echo(f"本节点检索索引已重建：{report.indexed} 条。")
    click.echo("其他应用节点请各自运行 flask search reindex（在此之前它们的同步会因检测到数据库已恢复而停止）。")
